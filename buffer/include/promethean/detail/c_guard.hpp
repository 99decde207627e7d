/// The C boundary's one guard: what pm_error and pm_buffer are, and c_guard, which turns every
/// C++ exception (std::bad_alloc included) into an owned pm_error so that nothing unwinds into C.
///
/// Used by every function of the embedding C API (promethean.h) and of the plugin host table
/// (plugin_abi.h): both hand out the same pm_error and pm_buffer objects. Not part of the API:
/// internals shared by libpromethean's components.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/pm_error.h>

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

/// An owned error (pm_error.h). Made by c_guard or c_error_new, freed by c_error_delete (never
/// by `delete`: the out-of-memory error is static).
struct pm_error {
  promethean::error e;
};

/// One reference to a Buffer, the same object for the C API and the plugin ABI. Standard layout
/// with the buffer first, so that a message's own buffer can be lent to a plugin as a pm_buffer*
/// without copying the reference.
struct pm_buffer {
  promethean::buffer b;
};
static_assert(std::is_standard_layout_v<pm_buffer>);

namespace promethean::detail {

/// The error handed out when memory runs out: static, so that reporting it allocates nothing.
PROMETHEAN_API pm_error* c_out_of_memory() noexcept;

/// A new owned copy of `e`, or the out-of-memory error when even that cannot be allocated.
PROMETHEAN_API pm_error* c_error_new(const error& e) noexcept;

/// Frees an owned error (NULL and the out-of-memory error are fine).
PROMETHEAN_API void c_error_delete(pm_error* e) noexcept;

/// Takes an owned error over as a C++ error (and frees it): for the host, when a plugin returns
/// one. Throws std::bad_alloc only if copying its strings does.
PROMETHEAN_API error c_error_take(pm_error* e);

/// The error for the exception being handled (call inside a catch block): a promethean::error as
/// it is, std::bad_alloc as the out-of-memory error ("host", "MemoryError"), anything else as a
/// "host" InternalError with what() as its message.
PROMETHEAN_API pm_error* c_error_from_current_exception() noexcept;

/// Runs `f` (which returns nothing) and gives NULL, or the owned error for whatever it threw.
template <class F>
pm_error* c_guard(F&& f) noexcept {
  try {
    std::forward<F>(f)();
    return nullptr;
  } catch (...) {
    return c_error_from_current_exception();
  }
}

/// Runs `f` and gives its value, or `fallback` when it throws: for the few functions whose C
/// signature has no room for an error (their header comment says what the fallback means).
template <class T, class F>
T c_guard_or(T fallback, F&& f) noexcept {
  try {
    return std::forward<F>(f)();
  } catch (...) {
    return fallback;
  }
}

}  // namespace promethean::detail
