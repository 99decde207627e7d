// Node's inspector address syntax (inspect_option.hpp), as node 18's SplitHostPort reads it.
#include "inspect_option.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace promethean::cli {
namespace {

std::string without_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string(host);
}

std::uint16_t port_of(std::string_view text, std::string_view flag, std::string_view value) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || (port != 0 && port < 1024) ||
      port > 65535) {
    throw std::invalid_argument(std::string(flag) + "=" + std::string(value) +
                                ": the port must be 0 (any free port) or in range 1024 to 65535");
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

js_inspector_options inspector_options_of(const std::string& inspect, const std::string& inspect_brk) {
  js_inspector_options options;
  if (inspect.empty() && inspect_brk.empty()) return options;
  options.enabled = true;
  options.wait_for_debugger = !inspect_brk.empty();
  const std::string_view flag = options.wait_for_debugger ? "--inspect-brk" : "--inspect";
  const std::string_view value = options.wait_for_debugger ? inspect_brk : inspect;
  std::string host;
  const std::string bare = without_brackets(value);
  if (bare.size() < value.size()) {  // "[::1]": an IPv6 address alone
    host = bare;
  } else if (const auto colon = value.rfind(':'); colon != std::string_view::npos) {
    host = without_brackets(value.substr(0, colon));
    options.port = port_of(value.substr(colon + 1), flag, value);
  } else if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    options.port = port_of(value, flag, value);
  } else {
    host = std::string(value);  // not a number: a host name
  }
  if (!host.empty()) options.host = host;
  return options;
}

}  // namespace promethean::cli
