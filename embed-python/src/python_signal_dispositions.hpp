// Private: Python's table of signal handlers (signal.getsignal) as python3 reports it, while the
// process-level SIGINT and SIGTERM handlers stay the host's.
//
// Embedded mode only (interpreter::start_own). The host owns SIGINT and SIGTERM (DESIGN.md, one
// signal policy), and CPython starts with install_signal_handlers = 0: its `_signal` module reads
// the handlers already in place, and one it did not install is "None of our business", reported
// as None. Code that saves a handler and puts it back (`old = signal.signal(SIGTERM, h)` ...
// `signal.signal(SIGTERM, old)`) then fails with a TypeError on None. So, as python3 reports them:
// SIGINT is `default_int_handler` (Ctrl-C raises KeyboardInterrupt: the host's interrupt trips
// it) and SIGTERM is `SIG_DFL`, while the host's handlers stay installed.
//
// Putting that value back (`signal.signal(SIGINT, default_int_handler)`, `signal.signal(SIGTERM,
// SIG_DFL)`) puts the host's handler back too, not CPython's or the kernel's: the host's policy
// (Ctrl-C interrupts whichever runtime is running; SIGTERM ends the host cleanly, 143) holds
// again after a script's own handler is gone, where python3 would die of SIGTERM at once.
// `_signal.signal` is wrapped for that (signal.signal calls it); the wrapper keeps its doc.
#pragma once

namespace promethean::python {

/// Called once, right after Py_InitializeFromConfig, with the GIL held. Errors are printed (the
/// table then keeps CPython's own view); nothing is thrown.
void adopt_host_signal_dispositions();

}  // namespace promethean::python
