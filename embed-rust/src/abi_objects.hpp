// Private: what the ABI's opaque types are on the host side, and the translation between
// messages and the ABI's JSON-plus-views form.
#pragma once

#include <promethean/rust/plugin_abi.h>

#include <promethean/buffer/buffer.hpp>
#include <promethean/detail/c_guard.hpp>
#include <promethean/error.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/pending_call.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

// pm_buffer and pm_error are the C boundary's shared objects (promethean/detail/c_guard.hpp).

/// A value with buffers: JSON where each buffer is {"_type":"Buffer",…,"view":i}, and the buffers;
/// or, set by result_set_buffer, one of the buffers as the whole value (no JSON at all).
struct pm_result {
  nlohmann::json value;                     ///< null until set
  std::optional<std::size_t> whole_buffer;  ///< set: the value is buffers[*whole_buffer], `value` unused
  std::vector<promethean::buffer> buffers;  ///< index i is "view": i
  std::string text;                         ///< `value` as text, made by result_json
  /// Stable references for the views handed out (a vector of pointers: an empty one allocates
  /// nothing, and every call makes a result).
  std::vector<std::unique_ptr<pm_buffer>> refs;
  /// Set by result_set_pending: the value is this call's, later (the rest is unused).
  std::shared_ptr<promethean::pending_call> pending;
};

/// A pending result (ABI 1.2): the producer's side of a pending_call, counted. The last reference
/// given back while the call is not settled fails it ("PendingDropped").
struct pm_pending {
  std::shared_ptr<promethean::pending_call> call;
  std::string plugin;  ///< the plugin's name, for errors
  std::atomic<std::size_t> refs{1};
};

namespace promethean::rust {

/// A message in the ABI's form: every buffer handle gains "view": i (the same buffer, the same
/// i), and `buffers[i]` is that buffer.
void to_abi(const message& m, nlohmann::json& value, std::vector<buffer>& buffers);

/// The ABI's form back into a message: {"_type":"Buffer","view":i} (other keys ignored) becomes
/// buffers[i]'s handle. Throws plugin_error for an index out of range.
message from_abi(const nlohmann::json& value, const std::vector<buffer>& buffers, const std::string& who);

/// A plugin's result as a message: its whole buffer as it is (no JSON read), else from_abi.
message from_abi(pm_result&& result, const std::string& who);

/// Fills `out` with the view of `b`, whose reference is `ref`.
void fill_view(const buffer& b, pm_buffer* ref, pm_buffer_view& out);

}  // namespace promethean::rust
