// Running one complete input of the terminal REPL in its language, and showing what it gives as
// that language's own REPL would: py as python3 (repr, `_`, tracebacks), js as node (util.inspect,
// "Uncaught …"), meta as `promethean repl` always has (its JSON printer), sh as a shell (the
// command's output, and its status when it failed).
#pragma once

#include "repl_shell_session.hpp"

#include <promethean/host/host.hpp>

#include <ostream>
#include <string>

namespace promethean::cli {

/// The inputs of one session, run in `h`, whose runtimes keep their globals from one input to the
/// next (sh: repl_shell_session.hpp).
class repl_evaluator {
 public:
  explicit repl_evaluator(host& h) : m_host(h) {}

  /// Runs `source` in `language` ("py", "js", "sh", "meta"). Values go to `out`, errors to `err`,
  /// and the session goes on; an exit the code asks for (sys.exit(n), meta's (exit n)) is thrown
  /// as exit_error. `first_line` is the session's line `source` starts on, for meta's errors.
  void evaluate_and_show(const std::string& language, const std::string& source, int first_line, std::ostream& out,
                         std::ostream& err);

 private:
  void sh_run(const std::string& source, std::ostream& out, std::ostream& err);

  host& m_host;
  shell_session m_shell;
};

}  // namespace promethean::cli
