// Private: a byte ring in memory two processes share: one process writes, the other reads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace promethean::detail {

/// The control block at the start of a ring, in shared memory. Each counter on a cache line of its
/// own: the writer's and the reader's stores never fight for one line. std::atomic of 64 and 32
/// bits is lock-free and address-free on every target we build for (checked below), so two
/// processes may use it through two mappings.
struct ring_control {
  alignas(64) std::atomic<std::uint64_t> written{0};  ///< bytes ever published by the writer
  alignas(64) std::atomic<std::uint64_t> read{0};     ///< bytes ever consumed by the reader
  /// 1 while no thread of the reading process watches the ring: the writer then rings the
  /// doorbell (a byte on the socket) after publishing, so that a sleeping reader wakes.
  alignas(64) std::atomic<std::uint32_t> ring_me{1};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free);

/// One direction of a connection: frames are copied in by the writing process and out by the
/// reading one, with no system call on either side. What a byte ring cannot do (wake a sleeping
/// reader, carry descriptors) the socket beside it does (frame_channel).
///
/// The writer side is used under the writer's send lock; the reader side by the one thread that
/// holds the reading turn (frame_channel). Bytes are published in whole frames, so a reader never
/// sees half of one.
class shared_ring {
 public:
  /// Bytes of shared memory a ring of `capacity` data bytes takes (control block included).
  static constexpr std::size_t footprint(std::size_t capacity) noexcept { return sizeof(ring_control) + capacity; }

  shared_ring() = default;
  /// Over `memory` (footprint(capacity) bytes, zeroed or initialised by the other side already).
  shared_ring(void* memory, std::size_t capacity) noexcept;

  std::size_t capacity() const noexcept { return m_capacity; }

  // The writer's side.
  /// Bytes that can be written now without overwriting unread ones.
  std::size_t free_space() const noexcept;
  /// Copies `size` bytes at `offset` past what is published (free_space() must allow it).
  void put(std::size_t offset, const void* bytes, std::size_t size) noexcept;
  /// Makes `size` bytes put after the published ones visible to the reader. True when the reader
  /// asked to be woken (ring_me), decided after the publication (a full fence between the two, the
  /// reader does the same in watch(false), so either it sees the bytes or the writer sees the ask).
  bool publish(std::size_t size) noexcept;

  // The reader's side.
  /// Bytes published and not consumed.
  std::size_t available() const noexcept;
  /// Copies `size` bytes at `offset` past the consumed ones (available() must cover them).
  void peek(std::size_t offset, void* out, std::size_t size) const noexcept;
  void consume(std::size_t size) noexcept;
  /// Says whether a thread of the reading process is watching: while one is, the writer does not
  /// ring. Followed by a full fence (see publish).
  void watch(bool watching) noexcept;

 private:
  ring_control* m_control = nullptr;
  unsigned char* m_data = nullptr;
  std::size_t m_capacity = 0;
};

}  // namespace promethean::detail
