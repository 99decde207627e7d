// This thread's native stack bounds, read once per thread (see native_stack.hpp).
#include "native_stack.hpp"

#include <pthread.h>

#include <cstdint>
#include <limits>

namespace promethean::meta {
namespace {
struct stack_bounds {
  std::uintptr_t low = 0;  ///< the lowest usable address (stacks grow down); 0 when unknown
  std::size_t size = 0;
};

stack_bounds read_bounds() noexcept {
  stack_bounds b;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return b;
  void* address = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &address, &size) == 0) {
    b.low = reinterpret_cast<std::uintptr_t>(address);
    b.size = size;
  }
  pthread_attr_destroy(&attr);
  return b;
}

const stack_bounds& bounds() noexcept {
  thread_local const stack_bounds b = read_bounds();
  return b;
}
}  // namespace

std::size_t native_stack_left() noexcept {
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const stack_bounds& b = bounds();
  if (b.low == 0 || here < b.low) return std::numeric_limits<std::size_t>::max();
  return here - b.low;
}

std::size_t native_stack_reserve() noexcept {
  constexpr std::size_t k_min = std::size_t{256} << 10;
  const std::size_t eighth = bounds().size / 8;
  return eighth > k_min ? eighth : k_min;
}

}  // namespace promethean::meta
