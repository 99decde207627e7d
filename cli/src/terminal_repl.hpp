// `promethean repl` on a terminal: the polyglot REPL (line editing and history, a language per
// line, multi-line input, values shown as each runtime shows them). Piped input is repl.hpp's.
#pragma once

#include <promethean/host/host.hpp>

namespace promethean::cli {

/// Reads and runs inputs from the terminal on stdin until Ctrl-D (exit 0) or an exit the code
/// asks for (its status). Errors are shown and the session goes on. Ctrl-C clears the line being
/// typed, or stops the code running (py: KeyboardInterrupt; js and meta: the calls in progress are
/// cancelled); a second Ctrl-C while the same code still runs interrupts every runtime and ends the
/// session with 130, as Ctrl-C does elsewhere. Expects the CLI's signal policy installed
/// (signals.hpp), and takes SIGINT over while it runs.
int run_terminal_repl(host& h);

}  // namespace promethean::cli
