/// A message: a JSON value plus the buffers and functions it names, kept alive while it is in
/// flight.
///
/// A Buffer handle inside the JSON only names a buffer; the message holds the buffer itself, so
/// a buffer cannot be released between the moment one runtime returns it and the moment another
/// receives it. Constructing a message from JSON resolves every handle it contains (and throws
/// message_error for a handle naming nothing live). Copies share the references. Immutable.
///
/// **Walk order: how a receiver takes what a message holds.** `buffers()` holds one buffer per
/// Buffer handle in `value()`, and `functions()` one function per Function handle, in *walk
/// order*: depth first, array elements by index, object members in the order `nlohmann::json`
/// iterates them (sorted by key), a handle's own fields not entered. The same buffer named twice
/// is held twice. A receiver that converts the value walks it in that same order and takes, with
/// a `message::cursor`, the next held buffer at each Buffer handle: by position, never by looking
/// the id up again (in the message or in the ledger). The cursor checks that the handle names the
/// buffer at that position; a handle the message does not hold (JSON forged, or put together
/// without its buffer) is a message_error, never another buffer. The ids are looked up once, where
/// JSON that only names buffers becomes a message (`message(json)`); the runtimes' converters,
/// which have the buffers in hand, build messages in walk order without any lookup.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>
#include <promethean/host/function_handle.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promethean {

class PROMETHEAN_API message {
 public:
  /// Tag of the constructor whose vectors are already in walk order.
  struct in_walk_order_t {
    explicit in_walk_order_t() = default;
  };
  static constexpr in_walk_order_t in_walk_order{};

  /// JSON null.
  message() = default;

  /// Resolves the Buffer and Function handles inside `value` to live references (the one place
  /// ids are looked up: in the ledger and the function table).
  message(nlohmann::json value);  // NOLINT: implicit on purpose, JSON is the common case

  /// `value` names some of `buffers` and `functions`, which may hold more (`value` is a part of a
  /// larger message, say): the message holds, in walk order, those `value` names. Costs one walk
  /// of `value`, and no search when the vectors are exactly its handles in walk order. Throws
  /// message_error for a handle naming none of them.
  message(nlohmann::json value, std::vector<buffer> buffers, std::vector<function_ref> functions);

  /// For the runtimes' converters, which build the value and its references in one walk:
  /// `buffers` and `functions` are exactly the handles of `value`, in walk order. Not checked here
  /// (that would be a second walk); a receiver's cursor refuses a handle that does not match.
  message(in_walk_order_t, nlohmann::json value, std::vector<buffer> buffers,
          std::vector<function_ref> functions) noexcept
      : m_value(std::move(value)), m_buffers(std::move(buffers)), m_functions(std::move(functions)) {}

  /// The same for a value that names nothing (a number, a string: a call's commonest result).
  message(in_walk_order_t, nlohmann::json value) noexcept : m_value(std::move(value)) {}

  /// A message that is just a buffer's handle (and holds the buffer).
  static message of(const buffer& b);
  static message of(const function_ref& f);

  const nlohmann::json& value() const noexcept { return m_value; }
  const std::vector<buffer>& buffers() const noexcept { return m_buffers; }
  const std::vector<function_ref>& functions() const noexcept { return m_functions; }

  /// The buffer this message is, when its value is a single Buffer handle.
  std::optional<buffer> as_buffer() const;

  std::string dump(int indent = -1) const { return m_value.dump(indent); }

  /// A receiver's place in a message's references: at each handle of its walk (in walk order,
  /// see above), the next buffer or function the message holds. Checks that the handle names it:
  /// a handle the message does not hold is a message_error naming it. Not thread-safe (one per
  /// conversion); the message must outlive it.
  class PROMETHEAN_API cursor {
   public:
    explicit cursor(const message& m) noexcept : m_message(&m) {}

    /// The buffer of the Buffer handle `handle`, the next in walk order.
    const buffer& next_buffer(const nlohmann::json& handle);
    /// The function of the Function handle `handle`, the next in walk order.
    const function_ref& next_function(const nlohmann::json& handle);

   private:
    const message* m_message;
    std::size_t m_buffer = 0;
    std::size_t m_function = 0;
  };

  /// For converters whose input may hold JSON-like objects (a Python dict, a JS object) that
  /// happen to be handles (`{"_type": "Buffer", "buffer_id": …}`): resolves such a handle as
  /// `message(json)` does and appends what it names; returns false (and appends nothing) for any
  /// other JSON object. The converter must not have appended anything for the handle's own fields
  /// (the walk does not enter a handle).
  static bool resolve_handle(const nlohmann::json& object, std::vector<buffer>& buffers,
                             std::vector<function_ref>& functions);

 private:
  nlohmann::json m_value;
  std::vector<buffer> m_buffers;
  std::vector<function_ref> m_functions;
};

}  // namespace promethean
