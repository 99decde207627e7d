// Private: a JS function resolved once, for host.resolve("js", name).
//
// The function and its `this` are looked up when resolved (a later redefinition of the name is
// not seen, as with a function value kept in JS) and kept in the engine's table of resolved
// functions; the callable holds the table key, not V8 handles, so that a callable that outlives
// the engine is a clear error instead of a dangling handle, and so that it can be dropped on any
// thread (its entry is erased later, under the isolate lock). Calls take typed arguments straight
// to V8 values, with no JSON in between.
#pragma once

#include <promethean/host/callable.hpp>

#include <memory>
#include <string_view>

namespace promethean::js {

/// Resolves `function` (see js_call.hpp's resolve); usage_error when there is no such function.
std::shared_ptr<const callable_target> resolve_js_callable(std::string_view function);

}  // namespace promethean::js
