// Private: how much of this thread's native stack is left, so that deep evaluation stops with a
// RecursionError before the stack overflows, whatever the thread's stack size (8 MiB on the main
// thread, 2 MiB on a Rust std::thread) and however large this build's frames are (sanitizer builds
// make them several times larger: a fixed depth limit alone overflowed there).
#pragma once

#include <cstddef>

namespace promethean::meta {

/// Bytes between the caller's frame and the end of this thread's stack; a very large number when
/// the stack's bounds cannot be read.
std::size_t native_stack_left() noexcept;

/// How much stack evaluation keeps in reserve for what runs beyond its own nesting (builtins,
/// conversions, error messages): an eighth of this thread's stack, at least 256 KiB.
std::size_t native_stack_reserve() noexcept;

}  // namespace promethean::meta
