// Timeouts of Python calls: an asynchronous exception in the calling thread at the deadline.
#include "python_deadline.hpp"

#include "python_errors.hpp"
#include "python_main_wake.hpp"
#include "python_state.hpp"
#include "with_gil.hpp"

#include <Python.h>

namespace promethean::python {

py_deadline::py_deadline(watchdog::clock::time_point when, std::chrono::milliseconds limit)
    : m_thread(PyThread_get_thread_ident()), m_limit(limit), m_scope(when) {
  // The exception is raised in the thread's Python thread state: it must exist before the
  // deadline can pass (a thread Python has never seen gets its own now).
  ensure_thread_state();
  m_ticket = watchdog::instance().arm(when, &py_deadline::fire, this);
}

py_deadline::~py_deadline() { finish(); }

void py_deadline::fire(void* self) {
  auto* d = static_cast<py_deadline*>(self);
  if (!state().alive.load()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  if (state().alive.load() && timeout_error_type()) {
    PyThreadState_SetAsyncExc(d->m_thread, timeout_error_type().ptr());
    // The main thread blocked in a system call is woken to raise it (embedded mode); another
    // thread raises it at its next bytecode only (python_main_wake.hpp).
    main_wake::wake(d->m_thread);
  }
  PyGILState_Release(gil);
}

bool py_deadline::finish() {
  if (m_finished) return m_fired;
  m_finished = true;
  // While Python finalises, this may run as CPython ends the thread (it woke in Python after
  // finalisation began: with_gil.hpp): no GIL to give up then, and none to take.
  const bool finalizing = state().finalizing.load(std::memory_order_acquire);
  if (finalizing ? holds_the_gil() : PyGILState_Check() != 0) {
    // Called with the GIL held (C++ code inside a Python call): give it up while waiting for a
    // watchdog that may be waiting for it.
    PyThreadState* saved = PyEval_SaveThread();
    m_fired = watchdog::instance().disarm(m_ticket);
    PyEval_RestoreThread(saved);
  } else {
    m_fired = watchdog::instance().disarm(m_ticket);
  }
  if (m_fired && state().alive.load() && !finalizing) {
    // The call may have ended before its next bytecode: the exception must not wait for the
    // thread's next call.
    PyGILState_STATE gil = PyGILState_Ensure();
    PyThreadState_SetAsyncExc(m_thread, nullptr);
    PyGILState_Release(gil);
  }
  return m_fired;
}

}  // namespace promethean::python
