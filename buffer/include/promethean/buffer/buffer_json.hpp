/// The JSON handle of a buffer, as it travels in messages:
///
///     {"_type": "Buffer", "buffer_id": "b17", "format": "uint8", "shape": [256, 256, 3],
///      "strides": [768, 3, 1], "language": "py", "type": "ImageRGB", "readonly": false}
///
/// "type" is null for an untyped buffer. A handle names a live buffer; it does not keep it alive:
/// a message in flight holds the buffer itself (see promethean::message).
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

namespace promethean {

PROMETHEAN_API nlohmann::json buffer_to_json(const buffer& b);

/// Makes `handle` b's handle (equal to buffer_to_json(b)), reusing the memory of the handle it
/// already holds when that one describes b's layout: then only "buffer_id" is rewritten (nothing
/// when it already names b). A sender that adopts the same memory anew on every call (a numpy
/// array whose Buffer no receiver kept) keeps one handle per array this way, instead of building
/// eight members (sixteen allocations) and freeing them on every handoff. Anything else in
/// `handle` (null, another layout, not a handle) is replaced by buffer_to_json(b).
PROMETHEAN_API void refresh_buffer_handle(nlohmann::json& handle, const buffer& b);

/// What the runtimes' `buffer_info` / `bufferInfo` / `buffer.info` show a user: the handle plus
/// "address" (the data pointer, as an integer) and "nbytes". Equal addresses seen from two runtimes
/// prove that they share the memory.
PROMETHEAN_API nlohmann::json buffer_info_json(const buffer& b);

/// True when `j` is an object tagged `"_type": "Buffer"`.
PROMETHEAN_API bool is_buffer_handle(const nlohmann::json& j) noexcept;

/// The live buffer a handle names. Throws message_error when the handle is malformed, names no
/// live buffer, or disagrees with the live buffer on format, shape, strides or readonly (a stale
/// or forged handle).
PROMETHEAN_API buffer buffer_from_json(const nlohmann::json& j);

}  // namespace promethean
