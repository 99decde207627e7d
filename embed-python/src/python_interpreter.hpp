// Private: the CPython interpreter of the process: starting it, and ending it in the fixed order.
//
// There is only ever one interpreter per process, and the py runtime holds it. Today the runtime
// always starts its own (`interpreter::start_own`, the CLI and embedded modes). The Python-hosted
// mode (`import promethean` in a plain python3) will add a second way in beside it, adopting the
// interpreter that is already running: that one is never initialised nor finalised by us, so its
// `finalize` will only give back what the runtime took (DESIGN.md, "Who owns the process").
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

  /// Python's rule at exit: waits (bounded) for every non-daemon thread, before any runtime shuts
  /// down, since those threads may still call other runtimes. The caller holds the GIL.
  static void join_non_daemon_threads();

  /// Raises KeyboardInterrupt in the thread that started Python (the one running the script).
  /// From any thread.
  void interrupt_main() const;

  /// Ends the interpreter: threads away in other runtimes come back (bounded), the runtime's
  /// tables are emptied, Python finalises, the releases queued meanwhile run. Idempotent.
  void finalize();

 private:
  interpreter() = default;

  PyThreadState* m_saved = nullptr;  ///< the starting thread's state while no thread holds the GIL
  std::thread::id m_init_thread;
  unsigned long m_main_ident = 0;  ///< Python's ident of the thread that started it
};

/// Flushes sys.stdout and sys.stderr (errors in doing so are dropped). The caller holds the GIL.
void flush_stdio();

}  // namespace promethean::python
