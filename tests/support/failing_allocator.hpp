// Test support: makes large allocations on this thread fail, so that a test can watch what a
// std::bad_alloc deep inside a call turns into (the binary replaces the global operator new).
#pragma once

#include <cstddef>

namespace promethean::testing_support {

/// While it lives, every operator new on this thread asking for `bytes` or more fails (throws
/// std::bad_alloc; the nothrow forms return NULL). Smaller requests are served as usual.
class failing_allocations {
 public:
  explicit failing_allocations(std::size_t bytes) noexcept;
  ~failing_allocations();
  failing_allocations(const failing_allocations&) = delete;
  failing_allocations& operator=(const failing_allocations&) = delete;

 private:
  std::size_t m_previous;
};

}  // namespace promethean::testing_support
