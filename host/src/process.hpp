// Private: child processes for the sh runtime (spawn, feed stdin, capture, time out, kill).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promethean::detail {

struct process_result {
  std::string out;
  std::string err;
  int exit_code = 0;    ///< the exit status, or 128 + signal number when killed by a signal
  int term_signal = 0;  ///< the signal that killed it, or 0
  bool timed_out = false;
};

/// Runs argv[0] (a path) with `input` on stdin, capturing stdout and stderr. On timeout the child's
/// whole process group is killed. Safe in a multi-threaded process (posix_spawn, close-on-exec
/// pipes); never raises SIGPIPE in the host when the child stops reading its stdin.
process_result run_captured(const std::vector<std::string>& argv, std::string_view input,
                            std::optional<std::chrono::milliseconds> timeout);

/// Runs argv[0] sharing the host's stdin, stdout and stderr; returns its exit status
/// (128 + signal when killed by one).
int run_inherited(const std::vector<std::string>& argv);

}  // namespace promethean::detail
