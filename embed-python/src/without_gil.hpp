// Private: running host code with the GIL released, in a way that survives Python's finalisation.
#pragma once

#include "python_state.hpp"

#include <Python.h>

#include <cxxabi.h>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace promethean::python {

/// Runs `f` with the GIL released (another runtime works meanwhile and may call back into Python
/// from any thread) and takes the GIL back afterwards, also when `f` throws.
///
/// Why not pybind11's gil_scoped_release: once Python finalises, CPython 3.11 ends a daemon
/// thread that takes the GIL back (PyThread_exit_thread, a pthread_exit that unwinds the stack).
/// Taken back in that RAII type's destructor, which is noexcept, the unwinding calls
/// std::terminate and the process aborts. Taken back here, in a plain call, the thread unwinds:
/// its frames' destructors run (buffers in flight are released) and it ends as Python meant.
///
///   BAD:  { py::gil_scoped_release unlocked; return host.call(...); }   // abort at exit
///   GOOD: return without_gil([&] { return host.call(...); });
///
/// The thread counts itself in python_state::threads_out while it is away, so that shutdown can
/// wait until no Python thread is left running host code (see python_runtime's shutdown).
template <class F>
auto without_gil(F&& f) -> decltype(f()) {
  using result_t = decltype(f());
  struct away {
    away() { state().threads_out.fetch_add(1, std::memory_order_relaxed); }
    ~away() { state().threads_out.fetch_sub(1, std::memory_order_release); }
  };
  PyThreadState* saved = PyEval_SaveThread();
  std::exception_ptr failure;
  if constexpr (std::is_void_v<result_t>) {
    try {
      away counted;
      f();
    } catch (abi::__forced_unwind&) {
      throw;  // this thread is ending inside `f` (it holds no GIL): let it
    } catch (...) {
      failure = std::current_exception();
    }
    PyEval_RestoreThread(saved);
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<result_t> result;
    try {
      away counted;
      result.emplace(f());
    } catch (abi::__forced_unwind&) {
      throw;
    } catch (...) {
      failure = std::current_exception();
    }
    PyEval_RestoreThread(saved);
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }
}

}  // namespace promethean::python
