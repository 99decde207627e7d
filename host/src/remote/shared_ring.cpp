// A byte ring in memory two processes share (shared_ring.hpp).
#include "shared_ring.hpp"

#include <algorithm>
#include <cstring>

namespace promethean::detail {

shared_ring::shared_ring(void* memory, std::size_t capacity) noexcept
    : m_control(static_cast<ring_control*>(memory)),
      m_data(static_cast<unsigned char*>(memory) + sizeof(ring_control)),
      m_capacity(capacity) {}

std::size_t shared_ring::free_space() const noexcept {
  const auto written = m_control->written.load(std::memory_order_relaxed);  // ours
  const auto read = m_control->read.load(std::memory_order_acquire);
  return m_capacity - static_cast<std::size_t>(written - read);
}

void shared_ring::put(std::size_t offset, const void* bytes, std::size_t size) noexcept {
  const auto start = (m_control->written.load(std::memory_order_relaxed) + offset) % m_capacity;
  const std::size_t first = std::min(size, m_capacity - start);
  std::memcpy(m_data + start, bytes, first);
  std::memcpy(m_data, static_cast<const unsigned char*>(bytes) + first, size - first);
}

bool shared_ring::publish(std::size_t size) noexcept {
  m_control->written.fetch_add(size, std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return m_control->ring_me.load(std::memory_order_relaxed) != 0;
}

std::size_t shared_ring::available() const noexcept {
  const auto written = m_control->written.load(std::memory_order_acquire);
  const auto read = m_control->read.load(std::memory_order_relaxed);  // ours
  return static_cast<std::size_t>(written - read);
}

void shared_ring::peek(std::size_t offset, void* out, std::size_t size) const noexcept {
  const auto start = (m_control->read.load(std::memory_order_relaxed) + offset) % m_capacity;
  const std::size_t first = std::min(size, m_capacity - start);
  std::memcpy(out, m_data + start, first);
  std::memcpy(static_cast<unsigned char*>(out) + first, m_data, size - first);
}

void shared_ring::consume(std::size_t size) noexcept { m_control->read.fetch_add(size, std::memory_order_release); }

void shared_ring::watch(bool watching) noexcept {
  m_control->ring_me.store(watching ? 0 : 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace promethean::detail
