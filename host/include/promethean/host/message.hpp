/// A message: a JSON value plus the buffers and functions it names, kept alive while it is in
/// flight.
///
/// A Buffer handle inside the JSON only names a buffer; the message holds the buffer itself, so
/// a buffer cannot be released between the moment one runtime returns it and the moment another
/// receives it. Constructing a message from JSON resolves every handle it contains (and throws
/// message_error for a handle naming nothing live). Copies share the references. Immutable.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>
#include <promethean/host/function_handle.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promethean {

class PROMETHEAN_API message {
 public:
  /// JSON null.
  message() = default;

  /// Resolves the Buffer and Function handles inside `value` to live references.
  message(nlohmann::json value);  // NOLINT: implicit on purpose, JSON is the common case

  /// `value` must already name exactly what `buffers` and `functions` hold (used by runtimes that
  /// build both at once, avoiding a second walk).
  message(nlohmann::json value, std::vector<buffer> buffers, std::vector<function_ref> functions);

  /// A message that is just a buffer's handle (and holds the buffer).
  static message of(const buffer& b);
  static message of(const function_ref& f);

  const nlohmann::json& value() const noexcept { return m_value; }
  const std::vector<buffer>& buffers() const noexcept { return m_buffers; }
  const std::vector<function_ref>& functions() const noexcept { return m_functions; }

  /// The buffer named `id` among those this message holds.
  std::optional<buffer> find_buffer(std::string_view id) const;

  /// The buffer this message is, when its value is a single Buffer handle.
  std::optional<buffer> as_buffer() const;

  std::string dump(int indent = -1) const { return m_value.dump(indent); }

 private:
  nlohmann::json m_value;
  std::vector<buffer> m_buffers;
  std::vector<function_ref> m_functions;
};

}  // namespace promethean
