// Private: waking Python's main thread out of a blocking call, so that Ctrl-C and timeouts end
// time.sleep, socket.recv, queue.get(), subprocess.wait() or a lock wait as python3's do.
//
// Embedded mode only (interpreter::start_own): there the host owns SIGINT, so CPython's own
// handler never runs, and an asynchronous exception (PyThreadState_SetAsyncExc) is noticed
// between bytecodes only: a thread blocked in a system call stays blocked. This puts CPython's
// own signal machinery back in charge, as in python3:
//
// - The wake-up signal, SIGURG, gets a Python-level handler (a no-op Python function), so that
//   its C-level handler is CPython's: it trips the signal's flag and, running on the main thread,
//   makes that thread look at it at its next bytecode; it is installed without SA_RESTART, so a
//   system call it lands in returns EINTR, and CPython (PEP 475) then runs the tripped handlers
//   (PyErr_CheckSignals) before it retries.
// - An interrupt trips Python's SIGINT handler (PyErr_SetInterruptEx: a KeyboardInterrupt, or the
//   script's own handler) and sends SIGURG to the main thread (pthread_kill): the handlers run
//   in signal order, SIGINT's first. SIGURG is sent again 5 and 50 ms later, from the watchdog:
//   one that lands between CPython's look at the tripped signals and its next wait is lost.
// - A timeout sets its asynchronous exception (python_deadline.cpp) and sends SIGURG: the no-op
//   handler is Python code, and entering it raises the pending exception.
//
// SIGURG because its default action is to be ignored (a stray one, after Python finalised and
// restored the default, does nothing) and because nothing in the host, Node or CPython uses it;
// Go's runtime chose it for the same reasons. A script that installs its own SIGURG handler or
// blocks SIGURG in its main thread loses the wake-up (blocked calls then run to their end).
//
// Only the main thread: CPython runs signal handlers there alone, and its blocking calls elsewhere
// retry after EINTR without looking at anything. A Python call timed out on another thread still
// ends at its next bytecode only (docs/THREADING.md).
#pragma once

namespace promethean::python::main_wake {

/// Installs the wake-up for the calling thread, Python's main thread, which holds the GIL.
/// Called once, by interpreter::start_own, never in the Python-hosted mode.
void install();

/// Before finalisation, the GIL held: no wake-up is sent from now on.
void uninstall();

/// The GIL held: sends the wake-up when `thread_ident` (Python's ident of a thread) is the main
/// thread and it runs Python code now (at any depth: a Python call inside a JS call inside
/// Python counts), so host code between calls is never disturbed by an EINTR. True when sent.
bool wake(unsigned long thread_ident);

/// The GIL held: Ctrl-C for Python as python3 has it (its SIGINT handler, run by the main
/// thread, woken). False when the wake-up is not installed (the caller then interrupts its own
/// way).
bool interrupt();

}  // namespace promethean::python::main_wake
