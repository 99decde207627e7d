// `run --inspect[=[HOST:]PORT]` and `--inspect-brk[=[HOST:]PORT]`: Node's inspector address, read
// as node reads it.
#pragma once

#include <promethean/host/host.hpp>

#include <string>

namespace promethean::cli {

/// What `--inspect` / `--inspect-brk` alone stand for: node's default address.
inline constexpr const char* k_default_inspector_address = "127.0.0.1:9229";

/// The js inspector's options from the two flags' values ("" for a flag not given; a flag given
/// alone has k_default_inspector_address). An address is split as node splits it: "HOST:PORT",
/// "PORT" (digits), "HOST", "[IPv6]" or "[IPv6]:PORT"; a missing host is 127.0.0.1 and a missing
/// port 9229. --inspect-brk wins when both are given. Throws std::invalid_argument with a message
/// for the user when the port is not 0 or 1024 to 65535.
js_inspector_options inspector_options_of(const std::string& inspect, const std::string& inspect_brk);

}  // namespace promethean::cli
