// Private: a buffer's description as it crosses to another process (crossing_tables.hpp), packed
// into bytes instead of a JSON object of a dozen members: a frame carries it as a MessagePack
// binary, so that neither side builds or walks a map per buffer on the handoff's path.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace promethean::detail {

/// What the receiver needs to map a lent buffer: the sender's token for it, the shared segment
/// (its identity, size, and the block within it) and the layout over the block.
struct buffer_description {
  std::uint64_t token = 0;  ///< the sender's serial of the shared buffer
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t segment_size = 0;
  std::uint64_t block_offset = 0;
  std::uint64_t block_size = 0;
  std::uint64_t byte_offset = 0;
  std::optional<std::uint32_t> fd_index;  ///< the frame's descriptor for the segment, when it carries one
  bool readonly = false;
  bool lasting = false;  ///< an arena segment: it never ends
  std::string dtype;
  shape_t shape;
  strides_t strides;
  std::string language;
  std::string type_name;  ///< empty: no registered buffer type
};

/// The description as bytes (native byte order: both ends are the same build on one machine).
std::vector<std::uint8_t> pack_buffer_description(const buffer_description& d);

/// The description those bytes hold; message_error when they are not one (cut short, a size that
/// does not fit, bytes left over).
buffer_description unpack_buffer_description(const std::vector<std::uint8_t>& bytes);

}  // namespace promethean::detail
