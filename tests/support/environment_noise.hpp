// What a child process's stderr says of Promethean, without the engines' own warnings about the
// machine's environment, which are not Promethean's to print or to silence.
#pragma once

#include <string>
#include <string_view>

namespace promethean::test {

/// `err` without the lines that an engine prints about its environment rather than about
/// anything Promethean did. Today one: Node's "Warning: Ignoring extra certs from `FILE`, load
/// failed: …", printed at every start when NODE_EXTRA_CA_CERTS names a file that is not there (a
/// company network's setting on a machine without ca-certificates). A test that demands a quiet
/// stderr compares this with "".
inline std::string without_environment_noise(std::string_view err) {
  std::string out;
  while (!err.empty()) {
    const auto end = err.find('\n');
    const std::string_view line = err.substr(0, end == std::string_view::npos ? err.size() : end + 1);
    err.remove_prefix(line.size());
    if (line.rfind("Warning: Ignoring extra certs from ", 0) == 0) continue;
    out += line;
  }
  return out;
}

}  // namespace promethean::test
