/// `host.buffers()`: the buffers an embedder works with, in one place: create one (by format or by
/// registered buffer type), look one up by the id every runtime sees ("b17"), and view one through
/// xtensor without a copy.
///
/// A `host_buffers` is a small handle onto its Host (it does not own it): use it while the Host
/// lives. A buffer the host allocated stays valid after the Host is gone; one over a runtime's
/// memory (a numpy array, a TypedArray) must be released before the Host shuts that runtime down
/// (docs/EMBEDDING.md, "Buffers and their lifetimes").
///
///     auto b = h.buffers().create("float32", {480, 640});      // zero-filled host memory
///     auto v = h.buffers().view<float>(b);                     // xtensor over the same bytes
///     v(0, 0) = 1.5f;                                          // every runtime sees the write
///     h.call("py", "numpy.sum", nlohmann::json::array({promethean::buffer_to_json(b)}));
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/buffer/dtype.hpp>
#include <promethean/buffer/xtensor.hpp>
#include <promethean/config.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace promethean {

class host;

class PROMETHEAN_API host_buffers {
 public:
  explicit host_buffers(host& owner) noexcept : m_host(&owner) {}

  /// A new zero-filled host buffer (64-byte aligned, C order). `format` is a numpy name
  /// ("uint8", "float32", …): anything else is a buffer_error listing the valid names.
  buffer create(std::string_view format, const shape_t& shape) const;
  buffer create(dtype format, const shape_t& shape) const;

  /// A new buffer of a registered buffer type; `sizes` gives every dimension that is not fixed.
  /// An unknown type or a missing or wrong size is a buffer_error naming the type and dimension.
  buffer create_typed(std::string_view type_name, const std::map<std::string, std::size_t>& sizes) const;

  /// The live buffer with this id (from any runtime: a numpy array's, a TypedArray's, a plugin's),
  /// or nullopt when it is gone or never was.
  std::optional<buffer> find(std::string_view id) const;

  /// As `find`, but a buffer_error naming the id when there is none.
  buffer get(std::string_view id) const;

  /// An xtensor view of `b` that keeps `b` alive; T must be the buffer's element type (a
  /// buffer_error otherwise), a non-const T needs a writable buffer.
  template <class T>
  xtensor_view<T> view(const buffer& b) const {
    return adapt<T>(b);
  }
  template <class T>
  xtensor_view<T> view(std::string_view id) const {
    return adapt<T>(get(id));
  }

  /// The Host's buffer types (register one with `types().add(buffer_type::make(…))`).
  buffer_type_registry& types() const noexcept;

 private:
  host* m_host;
};

}  // namespace promethean
