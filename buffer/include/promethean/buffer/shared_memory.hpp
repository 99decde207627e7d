/// Shared memory: the memory a buffer lies in, as another process can map it.
///
/// A buffer crosses to a runtime in another process (`py@1`, docs/PROCESSES.md) without a copy
/// when its memory block lies in a *shared segment*: a memfd that the receiving process maps at
/// the same bytes, so a write on either side is seen by the other. Every block the host allocates
/// (`buffer::allocate`: `alloc`, `buffer.create`, a plugin's `pm_buffer_alloc`) lies in one:
/// - small blocks (up to 256 KiB) in an arena of 8 MiB segments, carved in size classes, so an
///   allocation costs no system call (a segment is made when the arena needs more room);
/// - larger ones in a segment of their own, unmapped when the block is released.
/// Adopted memory (a numpy array over memory `malloc` gave it, a V8 backing store) lies in none:
/// it crosses to another process as a copy in a new shared block (`copy_to_shared`), once per
/// crossing, and writes on the other side are not seen here. docs/BUFFERS.md says when.
///
/// Thread-safe. Segments are process-local objects; what crosses is their descriptor (passed with
/// SCM_RIGHTS), the segment's size and where the block starts in it.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace promethean {

/// Where a block lies in a shared segment.
struct shared_region {
  int fd = -1;                    ///< the segment's descriptor; owned by the segment, valid while the buffer lives
  std::size_t segment_size = 0;   ///< bytes to map
  std::size_t block_offset = 0;   ///< where the buffer's block starts in the segment
  /// The segment lives as long as the process that made it (an arena's): a receiver may keep it
  /// mapped after its last block goes, so that the next block in it maps nothing new.
  bool lasting = false;
  /// The segment's identity (its memfd's device and inode): the same in every process that maps
  /// it, so a process that sent the descriptor once can name the segment by these afterwards.
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

/// Where `b`'s block lies in shared memory, or nullopt when it lies in memory no other process can
/// map (adopted memory).
PROMETHEAN_API std::optional<shared_region> shared_region_of(const buffer& b);

/// Adopts a layout in a segment another process passed: maps `fd` (taking ownership of it: it is
/// closed here, now or when the mapping goes) unless this process maps that segment already, and
/// makes a buffer whose block is `block_size` bytes at `block_offset`. `on_release` runs exactly
/// once, when the last reference in this process is gone (also when this throws). The buffer is
/// itself shareable: it can cross on to a third process. `lasting` (shared_region::lasting): the
/// mapping stays for the life of this process.
PROMETHEAN_API buffer map_shared(int fd, std::size_t segment_size, std::size_t block_offset, std::size_t block_size,
                                 release_fn on_release, dtype format, shape_t shape, const adopt_options& options,
                                 bool lasting = false);

/// map_shared() for a segment this process has mapped already (named by its identity, without a
/// descriptor): nullopt when it has not, or has unmapped it since. `on_release` runs exactly once
/// either way (at once when this returns nullopt or throws).
PROMETHEAN_API std::optional<buffer> map_known_shared(std::uint64_t device, std::uint64_t inode, std::size_t segment_size,
                                                      std::size_t block_offset, std::size_t block_size,
                                                      release_fn on_release, dtype format, shape_t shape,
                                                      const adopt_options& options);
/// Keeps the segment `b`'s block lies in mapped in this process while the result lives (also after
/// `b` is gone), so that map_known_shared() finds it; null when `b` lies in no segment.
PROMETHEAN_API std::shared_ptr<const void> keep_segment_mapped(const buffer& b);
/// Runs `on_end` once, when the segment `b`'s block lies in ends in this process (its last block,
/// and anything keeping it mapped, let go), on the thread that lets it go. False (and `on_end`
/// never runs) when `b` lies in no segment, or in one that lasts as long as the process.
PROMETHEAN_API bool when_segment_ends(const buffer& b, std::function<void()> on_end);
/// `b`'s elements, in C order, in a new shareable block (language and type as `b`'s).
PROMETHEAN_API buffer copy_to_shared(const buffer& b);

/// Counts of this process's shared segments, for tests and `promethean bench`.
struct shared_memory_counts {
  std::int64_t segments_made = 0;    ///< memfds created (arena segments and large blocks)
  std::int64_t segments_mapped = 0;  ///< segments mapped from another process, since start
  std::int64_t segments_live = 0;    ///< mapped now (made or received)
};
PROMETHEAN_API shared_memory_counts shared_memory_stats();

}  // namespace promethean
