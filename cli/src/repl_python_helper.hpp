// The terminal REPL's helper inside Python: python3's own interactive machinery (codeop for
// "is this input complete?", code.InteractiveInterpreter to run it), over __main__'s globals.
#pragma once

#include <promethean/host/host.hpp>

#include <string>

namespace promethean::cli {

/// Whether `source` (lines joined by '\n') needs more lines before it runs, as python3's REPL
/// decides (codeop.compile_command in 'single' mode): a block goes on until an empty line. Input
/// that more lines cannot fix is complete (running it shows the SyntaxError).
bool python_needs_more(host& h, const std::string& source);

/// Runs `source` as python3's REPL does: in __main__ (the globals `promethean eval py` and
/// meta's eval-in share), expression values printed with repr through sys.displayhook (which
/// also sets `_`), a traceback on stderr for an error; sys.stdout and sys.stderr are flushed.
/// SystemExit ends the session (exit_error).
void python_run(host& h, const std::string& source);

}  // namespace promethean::cli
