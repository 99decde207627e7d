// Private: holding the GIL for a call from the host, and Python errors turned into the error family.
#pragma once

#include "python_errors.hpp"
#include "python_state.hpp"

#include <promethean/error.hpp>

#include <pybind11/pybind11.h>

namespace promethean::python {

/// Holds the GIL for a call and runs the releases that waited for it: CPython's PyGILState pair,
/// a third of the cost of pybind11's gil_scoped_acquire on this, the hottest path.
/// Whether this thread holds the GIL, also while Python finalises (when PyGILState_Check says yes
/// to every thread).
inline bool holds_the_gil() noexcept {
  PyThreadState* mine = PyGILState_GetThisThreadState();
  return mine != nullptr && mine == _PyThreadState_UncheckedGet();
}

class with_gil {
 public:
  with_gil() {
    // After finalisation PyGILState has no interpreter to make a thread state in. (The Host no
    // longer routes here by then; this catches a call that looked py up just before, or a
    // callable resolved before the runtime shut down.)
    python_state& s = state();  // once: it is a call into another file
    m_python = &s;
    if (!s.alive.load()) throw usage_error("the py runtime has shut down", "py");
    ensure_thread_state();
    m_state = PyGILState_Ensure();
    if (!s.releases.empty()) drain_releases();  // a call less on the hot path, where it is empty
  }
  ~with_gil() {
    // Once Python finalises, a thread still in it (a timed-out call asleep in time.sleep on a
    // worker of the host) is ended by CPython as it takes the GIL back, and this runs as its stack
    // unwinds, without the GIL: releasing would be a fatal error (an abort at exit). Its thread
    // state is the interpreter's to free. (A call that ends normally while finalisation waits
    // for threads holds the GIL here, and releases as usual.)
    if (m_python->finalizing.load(std::memory_order_acquire) && !holds_the_gil()) return;
    PyGILState_Release(m_state);
  }
  with_gil(const with_gil&) = delete;
  with_gil& operator=(const with_gil&) = delete;

 private:
  PyGILState_STATE m_state;
  python_state* m_python;
};

/// Runs `f` under the GIL, converting Python exceptions into the error family.
template <class F>
auto guarded(F&& f) {
  with_gil gil;
  try {
    return f();
  } catch (pybind11::error_already_set& e) {
    throw_from_python(e);
  }
}

}  // namespace promethean::python
