// Private: letting a thread's exit through a handler that catches every exception.
#pragma once

#include <cxxabi.h>

#include <exception>

namespace promethean::detail {

/// Returns `body()`; an exception it throws goes to `on_error` (as std::current_exception()), whose
/// result is returned instead. A thread's exit is let through: glibc's forced unwinding, which
/// CPython starts for a thread that wakes in Python after finalisation began
/// (embed-python/src/with_gil.hpp); a catch (...) that swallowed it would abort the process. Its
/// handler binds a reference to no object, which UBSan's null check would report: hence the
/// attribute, on this one function.
template <class Body, class OnError>
__attribute__((no_sanitize("null"))) auto call_letting_thread_exit_through(Body&& body, OnError&& on_error)
    -> decltype(body()) {
  try {
    return body();
  } catch (abi::__forced_unwind&) {
    throw;
  } catch (...) {
    return on_error(std::current_exception());
  }
}

}  // namespace promethean::detail
