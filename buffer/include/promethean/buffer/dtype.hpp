/// Element types of buffers, spelled as numpy spells them ("uint8", "float32", …).
#pragma once

#include <promethean/config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace promethean {

enum class dtype : std::uint8_t {
  int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64,
};

/// Size of one element in bytes.
PROMETHEAN_API std::size_t dtype_size(dtype t) noexcept;

/// The numpy name: "uint8", "float64", …
PROMETHEAN_API std::string_view dtype_name(dtype t) noexcept;

/// Parses a numpy name; nullopt for anything else.
PROMETHEAN_API std::optional<dtype> dtype_from_name(std::string_view name) noexcept;

/// Parses a numpy name; throws buffer_error listing the valid names for anything else.
PROMETHEAN_API dtype parse_dtype(std::string_view name);

/// The dtype of a C++ element type, at compile time (`dtype_of<float>() == dtype::float32`).
template <class T>
constexpr dtype dtype_of() noexcept {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, std::int8_t>) return dtype::int8;
  else if constexpr (std::is_same_v<U, std::uint8_t>) return dtype::uint8;
  else if constexpr (std::is_same_v<U, std::int16_t>) return dtype::int16;
  else if constexpr (std::is_same_v<U, std::uint16_t>) return dtype::uint16;
  else if constexpr (std::is_same_v<U, std::int32_t>) return dtype::int32;
  else if constexpr (std::is_same_v<U, std::uint32_t>) return dtype::uint32;
  else if constexpr (std::is_same_v<U, std::int64_t>) return dtype::int64;
  else if constexpr (std::is_same_v<U, std::uint64_t>) return dtype::uint64;
  else if constexpr (std::is_same_v<U, float>) return dtype::float32;
  else if constexpr (std::is_same_v<U, double>) return dtype::float64;
  else static_assert(sizeof(U) == 0, "no Promethean dtype for this element type");
}

}  // namespace promethean
