// Private: shared segments (memfds mapped here) and the allocator of host blocks in them.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace promethean::detail {

/// One memfd, mapped read-write and shared, with its descriptor kept open so that it can be
/// passed on. Unmapped and closed when the last block in it (and the arena, for its segments) lets
/// it go.
struct shared_segment {
  int fd = -1;
  std::byte* base = nullptr;
  std::size_t size = 0;
  dev_t device = 0;  ///< with `inode`: the segment's identity, the same in every process mapping it
  ino_t inode = 0;
  bool lasting = false;  ///< an arena's: lives as long as the process that made it
  /// Run by the destructor (when_segment_ends): a link tells its peer the segment is gone.
  std::mutex end_mutex;
  std::vector<std::function<void()>> on_end;
  ~shared_segment();
};

/// A block of host memory for buffer::allocate: zero-filled, 64-byte aligned, in a shared segment
/// (the arena's for small blocks, its own for large ones). `release` gives it back; it holds the
/// segment. `segment` is null only when no memfd could be made (the descriptor limit reached): then
/// the block is ordinary heap memory, copied when it crosses to another process.
struct host_block {
  std::byte* data = nullptr;
  std::shared_ptr<shared_segment> segment;
  std::size_t segment_offset = 0;
  release_fn release;
};
host_block allocate_host_block(std::size_t bytes);

}  // namespace promethean::detail
