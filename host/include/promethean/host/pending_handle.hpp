/// A pending call inside a message: what a function gives back when its result is not ready yet
/// (a Python coroutine called through a blocking call, a Rust plugin's pending result), named as
/// {"_type": "Pending", "pending_id": "p7", "runtime": "py", "name": "py coroutine slow"}.
///
/// The receiving runtime turns it into its own awaitable (a JS Promise, a Python coroutine,
/// meta's pending value) by taking the call out of the process-wide table: once, by one receiver.
/// The table holds the call until then; at the host's shutdown what was never taken fails with a
/// "Shutdown" error like every other pending call. Thread-safe.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/pending_call.hpp>

#include <nlohmann/json.hpp>

#include <exception>
#include <memory>
#include <string_view>

namespace promethean::pending_handle {

/// Holds `call` in the table; returns its handle.
PROMETHEAN_API nlohmann::json hold(std::shared_ptr<pending_call> call, std::string_view runtime, std::string_view name);

/// An object tagged "_type": "Pending".
PROMETHEAN_API bool is_handle(const nlohmann::json& j) noexcept;

/// The call the handle names, out of the table. usage_error when it names none (taken already,
/// forged, or from a host that shut down).
PROMETHEAN_API std::shared_ptr<pending_call> take(const nlohmann::json& handle);

/// Every call still held fails with `why` (and its producer is told to stop): the host's shutdown.
PROMETHEAN_API void abandon_all(std::exception_ptr why);

}  // namespace promethean::pending_handle
