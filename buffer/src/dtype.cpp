// dtype names and sizes.
#include <promethean/buffer/dtype.hpp>
#include <promethean/error.hpp>

#include <array>
#include <string>

namespace promethean {
namespace {
struct dtype_entry {
  dtype type;
  std::string_view name;
  std::size_t size;
};
constexpr std::array<dtype_entry, 10> k_dtypes{{
    {dtype::int8, "int8", 1},       {dtype::uint8, "uint8", 1},     {dtype::int16, "int16", 2},
    {dtype::uint16, "uint16", 2},   {dtype::int32, "int32", 4},     {dtype::uint32, "uint32", 4},
    {dtype::int64, "int64", 8},     {dtype::uint64, "uint64", 8},   {dtype::float32, "float32", 4},
    {dtype::float64, "float64", 8},
}};
}  // namespace

std::size_t dtype_size(dtype t) noexcept { return k_dtypes[static_cast<std::size_t>(t)].size; }

std::string_view dtype_name(dtype t) noexcept { return k_dtypes[static_cast<std::size_t>(t)].name; }

std::optional<dtype> dtype_from_name(std::string_view name) noexcept {
  for (const auto& e : k_dtypes) {
    if (e.name == name) return e.type;
  }
  return std::nullopt;
}

dtype parse_dtype(std::string_view name) {
  if (auto t = dtype_from_name(name)) return *t;
  std::string valid;
  for (const auto& e : k_dtypes) {
    valid += valid.empty() ? "" : ", ";
    valid += e.name;
  }
  throw buffer_error("unknown format '" + std::string(name) + "' (expected one of: " + valid + ")",
                     "FormatError");
}

}  // namespace promethean
