// Private: simple meta expressions rendered as Python or JavaScript source, for the bodies of
// (py:fn …) and (js:fn …): literals, parameters, arithmetic, comparisons, `not`/`and`/`or`, `if`,
// `get`, calls, and dotted names (a module function in Python, a global's member in JS).
#pragma once

#include "reader.hpp"

#include <set>
#include <string>

namespace promethean::meta {

enum class target_language { python, javascript };

/// The expression `n` in `language`; `params` are the function's parameter names. Throws
/// script_error (at the node) for a form that has no rendering.
std::string render(const node& n, target_language language, const std::set<std::string>& params);

}  // namespace promethean::meta
