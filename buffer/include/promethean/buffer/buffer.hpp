/// Buffer: a refcounted owner of one memory block plus the typed, strided layout laid over it.
///
/// Layering (after nanobind's ndarray): a memory block (host-allocated or adopted from a runtime,
/// freed exactly once) → a buffer (dtype, shape, byte strides, byte offset, read-only flag, id,
/// optional buffer-type name) → views exported to runtimes, each holding one `buffer` reference.
///
/// Ownership: `buffer` is a cheap handle (a shared pointer). Copies share one buffer and one id.
/// Sub-views (`slice`, `select`, `reshape`, `as_readonly`, typed views) are new buffers with new
/// ids over the *same* block: they never copy. The block is released when the last buffer over it
/// is gone, in whatever runtime that happens; its release callback runs exactly once.
///
/// Thread-safety: a buffer's layout is immutable, so handles may be copied and read from any
/// thread. The bytes themselves are not synchronised: writers and readers coordinate as they would
/// with any shared array.
///
///     BAD:  std::byte* p = promethean::buffer::allocate(dtype::uint8, {16}).data();
///           p[0] = 1;   // the temporary was the last reference: p dangles
///     GOOD: auto b = promethean::buffer::allocate(dtype::uint8, {16});
///           b.data()[0] = std::byte{1};   // b keeps the block alive while p is used
#pragma once

#include <promethean/buffer/dtype.hpp>
#include <promethean/config.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace promethean {

namespace detail {
struct buffer_state;
struct memory_block;
struct block_access;
}  // namespace detail

/// Runs once, when the last reference to adopted memory is gone, on whichever thread that is
/// (a V8 GC worker included). It must not block on a runtime lock: push work that needs the GIL or
/// the isolate onto that runtime's release_queue instead.
using release_fn = std::function<void()>;

using shape_t = std::vector<std::size_t>;
using strides_t = std::vector<std::ptrdiff_t>;  // in bytes, may be negative (numpy's a[::-1])

/// Options for buffers the host allocates.
struct allocate_options {
  std::string language = "host";  ///< owning runtime recorded on the block
  std::string type;               ///< buffer-type name, unchecked here (see buffer_type_registry)
  bool readonly = false;
};

/// Options for memory adopted from a runtime (numpy data, a V8 BackingStore, a Rust Vec, …).
struct adopt_options {
  std::string language = "host";  ///< the runtime that owns the memory
  strides_t strides;              ///< empty: C-contiguous
  std::size_t byte_offset = 0;    ///< where element [0, …, 0] is, from the block's start
  bool readonly = false;
  std::string type;
};

class PROMETHEAN_API buffer {
 public:
  /// A null handle; every accessor but `operator bool` throws on it.
  buffer() noexcept = default;

  /// New host memory, 64-byte aligned, zero-filled, C-contiguous.
  static buffer allocate(dtype format, shape_t shape, const allocate_options& options = {});

  /// Adopts `byte_size` bytes at `data` without copying; `release` runs exactly once when the last
  /// reference goes (also when this call throws because the layout does not fit the block).
  static buffer adopt(void* data, std::size_t byte_size, release_fn release, dtype format,
                      shape_t shape, const adopt_options& options = {});

  explicit operator bool() const noexcept { return static_cast<bool>(m_state); }

  /// "b<serial>", unique for the life of the process.
  const std::string& id() const;
  std::uint64_t serial() const;

  dtype format() const;
  std::size_t itemsize() const;
  const shape_t& shape() const;
  const strides_t& strides() const;
  std::size_t ndim() const;
  std::size_t size() const;    ///< number of elements
  std::size_t nbytes() const;  ///< size() * itemsize()
  std::size_t byte_offset() const;
  bool readonly() const;
  bool is_c_contiguous() const;
  const std::string& language() const;   ///< the runtime that owns the memory block
  const std::string& type_name() const;  ///< buffer-type name, or empty

  /// Element [0, …, 0]. Throws buffer_error on a read-only buffer: use `cdata()` to read.
  std::byte* data() const;
  const std::byte* cdata() const;

  /// The whole memory block this buffer lies in (shared by all its sub-views).
  const std::byte* block_data() const;
  std::size_t block_size() const;

  /// True when both lie in the same memory block.
  bool shares_memory_with(const buffer& other) const;

  /// Number of buffers (handles of distinct ids) sharing this block.
  long block_use_count() const;

  /// Elements [start, stop) step `step` along `axis` (negative indices count from the end,
  /// as in Python; `step` may be negative). Same ndim.
  buffer slice(std::size_t axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1) const;

  /// Fixes `axis` at `index`, dropping that dimension: `image.select(2, 0)` is the red channel.
  buffer select(std::size_t axis, std::int64_t index) const;

  /// Same elements in a new shape; the buffer must be C-contiguous.
  buffer reshape(shape_t new_shape) const;

  /// The same layout, read-only.
  buffer as_readonly() const;

  /// The same layout tagged with a buffer-type name (validate it first: buffer_type_registry).
  buffer with_type(std::string type_name) const;

  /// A contiguous typed span; throws buffer_error on a dtype mismatch, a non-contiguous buffer or
  /// (for non-const T) a read-only one.
  template <class T>
  std::span<T> span() const {
    check_span(dtype_of<T>(), !std::is_const_v<T>);
    return {reinterpret_cast<T*>(const_cast<std::byte*>(cdata())), size()};
  }

 private:
  friend class ledger;
  friend struct detail::block_access;  // the block's shared segment (shared_memory.cpp)
  friend PROMETHEAN_API nlohmann::json buffer_to_json(const buffer& b);  // reads the cached handle
  explicit buffer(std::shared_ptr<const detail::buffer_state> state) noexcept;
  const detail::buffer_state& state() const;
  buffer derive(dtype format, shape_t shape, strides_t strides, std::size_t offset, bool readonly,
                std::string type_name) const;
  void check_span(dtype wanted, bool writable) const;

  std::shared_ptr<const detail::buffer_state> m_state;
};

/// C-contiguous byte strides for `shape` and an element size. Throws buffer_error when they do
/// not fit in 64 bits (possible for a shape with a zero in it, which holds no element).
PROMETHEAN_API strides_t c_strides(const shape_t& shape, std::size_t itemsize);

/// The bytes a layout reaches, relative to element [0, …, 0]: [low, high), low <= 0 (negative
/// strides reach below the first element). {0, 0} when the layout has no element. Throws
/// buffer_error on overflow. Runtimes adopting foreign memory use it to find the block's extent.
struct byte_extent_t {
  std::ptrdiff_t low = 0;
  std::ptrdiff_t high = 0;
};
PROMETHEAN_API byte_extent_t byte_extent(const shape_t& shape, const strides_t& strides, std::size_t itemsize);

/// Adopts the memory a strided layout reaches from its element [0, …, 0] at `first`: the block is
/// the byte_extent of the layout (negative strides reach below `first`). `options.strides` is the
/// layout (empty: C order); `options.byte_offset` is computed here. A null `first` with elements
/// to reach is a buffer_error. `release` runs exactly once, also when this throws (buffer::adopt).
PROMETHEAN_API buffer adopt_strided(std::byte* first, release_fn release, dtype format, shape_t shape,
                                    adopt_options options);

}  // namespace promethean
