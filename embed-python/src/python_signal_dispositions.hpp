// Private: signals in embedded mode as python3 has them: Python's table of handlers
// (signal.getsignal) as python3 reports it, and Ctrl-C in a Python program as python3 handles it.
//
// Embedded mode only (interpreter::start_own). The host owns SIGINT and SIGTERM (DESIGN.md, one
// signal policy), and CPython starts with install_signal_handlers = 0: its `_signal` module reads
// the handlers already in place, and one it did not install is "None of our business", reported
// as None. Code that saves a handler and puts it back (`old = signal.signal(SIGTERM, h)` ...
// `signal.signal(SIGTERM, old)`) then fails with a TypeError on None. So, as python3 reports them:
// SIGINT is `default_int_handler` (Ctrl-C raises KeyboardInterrupt: the host's interrupt trips
// it) and SIGTERM is `SIG_DFL`, while the host's handlers stay installed. Putting that SIGTERM
// value back (`signal.signal(SIGTERM, SIG_DFL)`) puts the host's handler back too, not the
// kernel's: SIGTERM ends the host cleanly (143) again, where python3 would die at once.
// `_signal.signal` is wrapped for that (signal.signal calls it); the wrapper keeps its doc.
//
// While a Python program runs (`promethean run app.py`, `-c`, `-m`: python_program_signals),
// SIGINT is Python's own, as in python3: CPython's C-level handler, so that a SIGINT is seen at
// the next bytecode (os.kill(os.getpid(), SIGINT) raises right there), a KeyboardInterrupt the
// program catches is the end of it (the program goes on, and its exit status is its own), and
// every Ctrl-C is one more KeyboardInterrupt (pdb's prompt takes any number of them); the host's
// "a second Ctrl-C ends the process" does not apply. The handler is wrapped as in the hosted mode
// (python_hosted_signals.hpp): when the main thread is away in another runtime (a JS call), the
// calls in progress are cancelled, and the KeyboardInterrupt takes the call's place.
#pragma once

#include <csignal>

namespace promethean {
class host;
}

namespace promethean::python {

/// Called once, right after Py_InitializeFromConfig, with the GIL held. Errors are printed (the
/// table then keeps CPython's own view); nothing is thrown.
void adopt_host_signal_dispositions();

/// While it lives, SIGINT is the Python program's (above), if the host had a SIGINT handler of
/// its own when it was made (the CLI's; otherwise nothing changes); then the host's comes back.
/// Made and destroyed on Python's main thread with the GIL held.
class python_program_signals {
 public:
  explicit python_program_signals(host& h);
  ~python_program_signals();
  python_program_signals(const python_program_signals&) = delete;
  python_program_signals& operator=(const python_program_signals&) = delete;

 private:
  bool m_active = false;
  struct sigaction m_host_action {};  ///< the host's SIGINT handler, back when the program ends
};

}  // namespace promethean::python
