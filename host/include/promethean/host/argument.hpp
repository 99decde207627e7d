/// One argument of a typed call (a `callable`'s, or `host.call_typed`'s by name): null, a
/// boolean, an integer, a floating-point number, a string or a buffer, instead of a JSON array.
/// No JSON is built on the way in: each runtime makes its own values from these directly.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>
#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace promethean {

/// One argument of a typed call: null, a boolean, an integer, a floating-point number, a string or
/// a buffer. Strings and buffers are borrowed (not copied): they must outlive the call.
class PROMETHEAN_API argument {
 public:
  enum class kind : std::uint8_t { null, boolean, integer, number, string, buffer };

  argument() noexcept : m_kind(kind::null) {}  ///< null, as a slot to fill in an array of arguments
  argument(std::nullptr_t) noexcept : m_kind(kind::null) {}  // NOLINT: implicit, like JSON's
  argument(bool v) noexcept : m_kind(kind::boolean) { m_as.b = v; }  // NOLINT
  /// Any integer type; an unsigned value above INT64_MAX is a usage_error (JSON's integers are
  /// 64-bit signed on every typed path).
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  argument(T v) : m_kind(kind::integer) {  // NOLINT
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (v > static_cast<T>(INT64_MAX)) too_large(static_cast<std::uint64_t>(v));
    }
    m_as.i = static_cast<std::int64_t>(v);
  }
  argument(double v) noexcept : m_kind(kind::number) { m_as.f = v; }  // NOLINT
  argument(float v) noexcept : m_kind(kind::number) { m_as.f = v; }   // NOLINT
  argument(std::string_view s) noexcept : m_kind(kind::string) {      // NOLINT
    m_as.s.data = s.data();
    m_as.s.size = s.size();
  }
  argument(const char* s) noexcept : argument(std::string_view(s)) {}         // NOLINT
  argument(const std::string& s) noexcept : argument(std::string_view(s)) {}  // NOLINT
  argument(const buffer& b) noexcept : m_kind(kind::buffer) { m_as.buf = &b; }  // NOLINT

  kind type() const noexcept { return m_kind; }
  bool as_bool() const noexcept { return m_as.b; }
  std::int64_t as_int() const noexcept { return m_as.i; }
  double as_double() const noexcept { return m_as.f; }
  std::string_view as_string() const noexcept { return {m_as.s.data, m_as.s.size}; }
  const buffer& as_buffer() const noexcept { return *m_as.buf; }

  /// The value as JSON (a buffer as its handle), as the JSON form of a call carries it.
  nlohmann::json to_json() const;

 private:
  [[noreturn]] static void too_large(std::uint64_t v);

  kind m_kind;
  union {
    bool b;
    std::int64_t i;
    double f;
    struct {
      const char* data;
      std::size_t size;
    } s;
    const buffer* buf;
  } m_as{};
};

/// The JSON message a typed argument list stands for: the array of the values, holding the buffers.
PROMETHEAN_API message to_message(std::span<const argument> args);

}  // namespace promethean
