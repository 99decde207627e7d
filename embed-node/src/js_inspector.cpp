// Node's inspector flags from the host's options (js_inspector.hpp).
#include "js_inspector.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

namespace promethean::js {

std::vector<std::string> inspector_flags(const js_inspector_options& options) {
  if (!options.enabled) return {};
  // Node's own rule: 0 (any free port) or an unprivileged one.
  if (options.port != 0 && options.port < 1024) {
    throw usage_error("the js inspector's port must be 0 or in range 1024 to 65535, got " +
                          std::to_string(options.port),
                      "js");
  }
  if (options.host.empty()) throw usage_error("the js inspector needs a host to listen on (127.0.0.1 by default)", "js");
  // An IPv6 address goes in brackets, which Node takes off again ("[::1]:9229").
  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string address =
      (ipv6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
  return {(options.wait_for_debugger ? "--inspect-brk=" : "--inspect=") + address};
}

}  // namespace promethean::js
