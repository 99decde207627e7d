// Private: running host code with the GIL released, in a way that survives Python's finalisation.
#pragma once

#include <atomic>

#include "python_state.hpp"

#include <promethean/error.hpp>

#include <Python.h>

#include <cxxabi.h>

#include <exception>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

namespace promethean::python {

/// How many blocking calls out of Python this thread is inside (its caller waits for their end):
/// a coroutine another runtime calls must not be put on this thread's loop meanwhile, which waits
/// too (python_coroutines.cpp). An atomic, read from other threads.
inline thread_local std::atomic<int> t_blocking_calls{0};
/// Set around the start of an async call (python_awaitables.cpp): that wait is not blocking.
inline thread_local bool t_starting_async = false;

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
/// But that unwinding is only safe through frames that own no Python object: pybind11's frames
/// above this one (the argument casters, the `py::args` tuple it made) Py_DECREF theirs as they
/// unwind, without the GIL, while the main thread finalises (a data race ThreadSanitizer found),
/// and a tuple that dies there aborts the process ("Fatal Python error: PyThreadState_Get").
/// So shutdown keeps threads from being away at finalisation instead: once it has begun
/// (python_state::closing), a thread other than the one ending Python cannot leave (the call
/// fails with py Shutdown, raised with the GIL held), and shutdown waits, with the GIL given up,
/// until every thread that was away has taken the GIL back (python_state::threads_to_return).
/// Only a thread still away when that bounded wait ends (a call that does not return) can still
/// meet the unwinding above.
///
/// The thread counts itself in python_state::threads_out while it is away, so that shutdown can
/// wait until no Python thread is left running host code (see interpreter::finalize, python_interpreter.cpp).
/// Back from a call out with the GIL: the releases the callee queued meanwhile (JS let go of an
/// array it was lent, on its GC's thread) run now, not at the next call into Python, which a
/// script that only calls out never gets. An atomic load when there are none.
inline void drain_after_call_out(python_state& s) {
  if (!s.releases.empty()) s.releases.drain();
}

template <class F>
auto without_gil(F&& f) -> decltype(f()) {
  using result_t = decltype(f());
  struct away {
    away() : m_main(pthread_equal(pthread_self(), state().main_thread) != 0), m_blocking(!t_starting_async) {
      state().threads_out.fetch_add(1, std::memory_order_relaxed);
      if (m_main) state().main_thread_away.fetch_add(1, std::memory_order_relaxed);
      if (m_blocking) t_blocking_calls.fetch_add(1, std::memory_order_relaxed);
    }
    ~away() {
      if (m_blocking) t_blocking_calls.fetch_sub(1, std::memory_order_relaxed);
      if (m_main) state().main_thread_away.fetch_sub(1, std::memory_order_relaxed);
      state().threads_out.fetch_sub(1, std::memory_order_release);
    }
    away(const away&) = delete;
    away& operator=(const away&) = delete;
    bool m_main;
    bool m_blocking;
  };
  auto& s = state();
  // With the GIL held: `closing` is set with the GIL held too, so either shutdown sees this
  // thread counted in threads_to_return, or this thread sees `closing`.
  if (s.closing.load(std::memory_order_acquire) && std::this_thread::get_id() != s.closing_thread) {
    throw python_error("Shutdown", "the py runtime is shutting down: only the thread ending it may call out of Python");
  }
  s.threads_to_return.fetch_add(1, std::memory_order_relaxed);
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
    s.threads_to_return.fetch_sub(1, std::memory_order_release);
    drain_after_call_out(s);
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
    s.threads_to_return.fetch_sub(1, std::memory_order_release);
    drain_after_call_out(s);
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }
}

}  // namespace promethean::python
