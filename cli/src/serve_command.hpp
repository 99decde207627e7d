// `promethean serve`: the command line of the WebSocket server (serve/, docs/SERVE.md).
#pragma once

#include <string>
#include <vector>

namespace promethean::cli {

/// Runs `promethean serve ARGS…` (the words after `serve`); returns the exit status. Bad
/// options are a usage_error (exit 2).
int run_serve(const std::vector<std::string>& args);

}  // namespace promethean::cli
