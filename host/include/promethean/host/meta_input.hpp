/// Reading the meta language piecewise, as a REPL or an editor does.
#pragma once

#include <promethean/config.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace promethean {

/// Why `source` is not yet complete meta-language input (an open list, array or string, a quote
/// with nothing after it), or empty when it is complete. Input with an error that more text cannot
/// fix (a stray ')') counts as complete, so that evaluating it reports the error.
PROMETHEAN_API std::string meta_input_incomplete(std::string_view source);

/// The offset in `source` of the first ')' or ']' that closes nothing, when the forms before it
/// read well (`std::string_view::npos` otherwise), so that a REPL evaluates those forms and then
/// reports the stray closer instead of losing them.
PROMETHEAN_API std::size_t meta_input_stray_closer(std::string_view source);

}  // namespace promethean
