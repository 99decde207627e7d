// Private: the CPython interpreter of the process: starting it, and ending it in the fixed order.
//
// There is only ever one interpreter per process, and the py runtime holds it, in one of two ways:
// it starts its own (`interpreter::start_own`: the CLI, libpromethean) or, in the Python-hosted
// mode (`import promethean` in a plain python3), it adopts the interpreter that is already running
// (`interpreter::adopt_running`): that one is never initialised nor finalised here, its signal
// handlers stay Python's, and `finalize` only gives back what the runtime took.
#pragma once

#include <promethean/host/host.hpp>

#include <pybind11/pybind11.h>

#include <thread>

namespace promethean::python {

/// The interpreter the runtime starts: Debian's, whatever python3 is first on PATH.
inline constexpr const char* k_python = "/usr/bin/python3";

/// The interpreter's start and end, and what needs the thread that started it. Not RAII: the
/// runtime calls finalize() where the Host's shutdown order says (and a start that failed halfway
/// leaves Python up, as CPython cannot start twice). Copyable plain state; one per process.
class interpreter {
 public:
  /// Starts CPython for this process: Debian's python3 (sys.executable, sys.prefix), no signal
  /// handlers of its own (the host owns SIGINT), the `promethean` module built in and imported,
  /// an active $VIRTUAL_ENV's site-packages first. Returns with the GIL released. Throws
  /// usage_error when Python already ran in this process, python_error when it cannot start.
  static interpreter start_own(host& h);

  /// Takes the interpreter this process already runs (the Python-hosted mode) as the py
  /// runtime's, for `h`: no initialisation, no signal handlers, no multiprocessing hook (the
  /// user's python3 is sys.executable and has the package). Throws usage_error when Python is not
  /// running or a py runtime already holds it.
  static interpreter adopt_running(host& h);

  /// Whether this interpreter was adopted (it belongs to the user's python3), not started here.
  bool adopted() const noexcept { return m_adopted; }

  /// Whether the caller is the thread that started Python: Python's main thread, the one its
  /// signal handlers run in.
  bool on_main_thread() const noexcept { return std::this_thread::get_id() == m_init_thread; }

  /// Python's rule at exit: waits (bounded) for every non-daemon thread, before any runtime shuts
  /// down, since those threads may still call other runtimes. The caller holds the GIL.
  static void join_non_daemon_threads();

  /// Raises KeyboardInterrupt in the thread that started Python (the one running the script).
  /// From any thread. Adopted: nothing, since Python's own SIGINT handler raises it there.
  void interrupt_main() const;

  /// Ends the interpreter: threads away in other runtimes come back (bounded), the runtime's
  /// tables are emptied, Python finalises, the releases queued meanwhile run. Idempotent.
  /// Adopted: the tables are emptied and the releases run, and Python goes on (it finalises
  /// itself, later, when its program ends).
  void finalize();

 private:
  interpreter() = default;

  PyThreadState* m_saved = nullptr;  ///< the starting thread's state while no thread holds the GIL
  std::thread::id m_init_thread;
  unsigned long m_main_ident = 0;  ///< Python's ident of the thread that started it
  bool m_adopted = false;
};

/// For an adopted interpreter, from Py_AtExit (the end of the user's Python's finalisation):
/// from now on nothing may touch Python, and releases that arrive are dropped.
void mark_adopted_finalized();

/// Flushes sys.stdout and sys.stderr (errors in doing so are dropped). The caller holds the GIL.
void flush_stdio();

}  // namespace promethean::python
