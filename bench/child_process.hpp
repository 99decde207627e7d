// A child process with pipes to its stdin and stdout, for the peer baselines (a python3 or node
// child exchanging JSON lines) and the startup measurement (fresh processes timed to their first
// line of output).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace promethean::bench {

class child_process {
 public:
  /// Starts argv[0] (an absolute path) with the given arguments; stderr is inherited. Throws
  /// std::runtime_error when the program cannot be started.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void write_all(const std::string& text);
  /// The next line without its newline; throws when the child closed its stdout first.
  std::string read_line();
  /// Closes stdin and waits; returns the exit status (128 + signal when killed).
  int finish();

 private:
  pid_t m_pid = -1;
  int m_in = -1;
  int m_out = -1;
  std::string m_program;
  std::string m_pending;
};

}  // namespace promethean::bench
