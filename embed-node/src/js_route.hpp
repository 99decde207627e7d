// Private: a JS function called by name, looked up by JS itself (issue 26: every naming route as
// fast as an export).
//
// resolve() (js_call.hpp) walks a name through the V8 API: a property lookup per dotted part, the
// global object's through its proxy, ~150 ns a call where an exported name is one map lookup.
// For a name that is neither exported nor a function id, a small JS function (a route) is compiled
// once per name and number of arguments instead. Its body does the same walk — a loaded module's
// member, else a dotted path from globalThis; each step an object, each property defined, the last
// a function — and calls what it found with the object it was found on as `this`. In JS that walk
// costs next to nothing (V8's inline caches), and since it runs on every call a reassignment, a late
// definition or a module loaded again is seen at once. When the walk finds nothing (or a getter on
// the way throws) the route returns a sentinel instead, and the caller resolves the name the slow
// way, which gives the error it always gave.
#pragma once

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promethean::js {

/// Routes are made for calls of up to this many arguments; more go through resolve().
inline constexpr std::size_t k_max_route_arity = 8;

/// A route is made once a name was called this many times through resolve(): compiling one costs
/// ~150 µs and saves ~150 ns a call, so a name called a few times (a first call, a cold path)
/// never pays for it, and a name in a loop pays it once, as V8 compiles a function once it is hot.
inline constexpr std::uint32_t k_calls_before_route = 1000;

struct route {
  v8::Local<v8::Function> fn;  ///< called with (module exports, args…) or (args…)
  v8::Local<v8::Value> module;  ///< the loaded module's exports to pass first; empty for a global path
  /// What fn returns when the name finds no function (engine::route_missing): compared with the
  /// result as it is, without a handle made for it on every call.
  const v8::Global<v8::Symbol>* missing;
};

/// The route for calling `name` with `argc` arguments, made at the k_calls_before_route-th call;
/// nullopt before, and for more than k_max_route_arity arguments. The caller has looked for an
/// exported name or a function id first (find_exported): those take precedence and need no
/// route. Inside an `entered` scope.
std::optional<route> find_route(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::string_view name, std::size_t argc);

/// "a.b.c" → {"a", "b", "c"}: the parts a name is walked by (views into `name`).
std::vector<std::string_view> dotted_parts(std::string_view name);

/// A JS stack without the routes' own frames (errors show the user's frames only).
std::string without_route_frames(std::string stack);

}  // namespace promethean::js
