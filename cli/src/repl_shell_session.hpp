// The terminal REPL's sh session: each input is a fresh /bin/sh of the sh runtime (as every sh
// eval is), started with the variables, exports and working directory the inputs before it left,
// so that `x=1` on one line is `$x` on the next, as in one shell.
#pragma once

#include <promethean/host/host.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>

namespace promethean::cli {

/// What the shell state is made of, as sh itself prints it: `set` (every variable, quoted so that
/// the shell reads it back), `export -p`, and the working directory. Shell functions are not
/// kept (dash cannot print them): define them with meta's `sh:fn`, which every sh call sees.
class shell_session {
 public:
  /// Runs `source` in `h`'s sh runtime after restoring the state; returns the runtime's eval
  /// result ({"stdout", "stderr", "exit_code"}), stdout without the state it printed. When the
  /// input ends the shell early (`exit`, a syntax error) the state stays as it was.
  nlohmann::json run(host& h, const std::string& source);

 private:
  struct state {
    std::map<std::string, std::string> variables;  // name -> `set`'s line for it (NAME='value')
    std::set<std::string> exported;
    std::string directory;
  };
  /// Runs `source` after `restore`; fills `after` with the state it left when it got to the end.
  nlohmann::json run_with(host& h, const std::string& restore, const std::string& source, state* after);
  std::string restore_script(host& h) const;

  bool m_started = false;
  state m_fresh;    // what a fresh shell has: only what differs from it is restored
  state m_current;  // what the last input left
};

}  // namespace promethean::cli
