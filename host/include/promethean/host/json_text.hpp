/// JSON text from outside (the C API's messages, plugin results, sh handlers' replies, meta's
/// receive-json and json.parse) parsed with a bound on nesting.
///
/// nlohmann's parser itself keeps its own stack, but what is done with the value afterwards (a
/// copy, dump(), every runtime's conversion) recurses once per level: a value nested a million
/// deep would overflow the native stack there. Text nested deeper than k_max_json_depth is
/// refused before any value is built.
#pragma once

#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace promethean {

/// How deep JSON text may nest (arrays and objects). Twice what the py and js marshallers send
/// (256 levels), far beyond any real message.
inline constexpr std::size_t k_max_json_depth = 512;

/// `text` as JSON. Throws nlohmann::json::parse_error when it is not JSON (a number past a double's
/// range included: nlohmann's own parser throws out_of_range for that), and message_error
/// (naming the limit) when it nests deeper than `max_depth`.
PROMETHEAN_API nlohmann::json parse_json_text(std::string_view text, std::size_t max_depth = k_max_json_depth);

}  // namespace promethean
