// The CLI's one signal policy (DESIGN.md, "Threading"), not whichever runtime installed its
// handler last: SIGPIPE and SIGXFSZ are ignored, as python3 ignores them (a write to a closed pipe
// or past the file size limit is an error, EPIPE or EFBIG, not a death);
// SIGINT and SIGTERM interrupt whichever runtime is running (Python raises KeyboardInterrupt, JS
// stops) and the host then exits 128 + the signal after a clean shutdown; a second one exits at
// once. A Python program (run app.py, -c, -m) takes SIGINT for its run, as python3 has it, and
// puts this handler back at its end (embed-python/src/python_signal_dispositions.hpp).
#pragma once

#include <promethean/host/host.hpp>

#include <functional>

namespace promethean::cli {

/// Installs the policy for the process; `h` receives the interrupts until clear_signal_host().
void install_signal_policy(host& h);
void clear_signal_host();

/// From any thread, without blocking: interrupts the host as SIGINT would, but the exit status is
/// the caller's to choose (for `run --timeout`). No-op before install_signal_policy().
void request_interrupt();

/// The signal that interrupted the run (SIGINT, SIGTERM), or 0.
int interrupting_signal();

/// For the terminal REPL, where Ctrl-C clears a line or stops one evaluation and the session goes
/// on: while set, a SIGINT neither interrupts the host nor counts toward ending the process; it
/// calls `on_signal(SIGINT)` instead, on the watcher thread (never in the signal handler, so it may
/// take locks and call the host). SIGTERM keeps the policy (the host is interrupted, the exit
/// status is 143), then calls `on_signal(SIGTERM)`, so that the REPL stops reading. An empty
/// function restores the policy.
void redirect_sigint(std::function<void(int)> on_signal);

}  // namespace promethean::cli
