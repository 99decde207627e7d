// Test support: the global operator new/delete of a test binary, over malloc/free, with a
// per-thread threshold past which allocations fail (failing_allocator.hpp).
#include "failing_allocator.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {
// Constant-initialised: usable before main and on every thread.
thread_local std::size_t t_fail_from = SIZE_MAX;

void* allocate(std::size_t n) noexcept {
  if (n >= t_fail_from) return nullptr;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

namespace promethean::testing_support {
failing_allocations::failing_allocations(std::size_t bytes) noexcept : m_previous(t_fail_from) { t_fail_from = bytes; }
failing_allocations::~failing_allocations() { t_fail_from = m_previous; }
}  // namespace promethean::testing_support

// Every unaligned form is replaced, new and delete alike, so that each block is freed by the
// allocator that made it (a sanitizer checks that). The aligned forms stay the library's own.
void* operator new(std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
