// Private: one call of a JS function from the host, shared by the by-name call (js_runtime) and a
// function resolved once (js_callable): find the function, call it as Node calls a callback
// (js_host_call.hpp), settle its result.
#pragma once

#include "js_route.hpp"

#include <promethean/host/message.hpp>

#include <v8.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace promethean::js {

/// A function and the object it was found on (its `this`: `console.log`, `Math.max`).
struct resolved {
  v8::Local<v8::Function> fn;
  v8::Local<v8::Value> self;
};

/// An exported name (export, js:fn), a function id handed out, a loaded module's member
/// (`imageops.invert`) or a dotted path from globalThis. usage_error when there is none or it is
/// not a function. Inside an `entered` scope.
resolved resolve(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::string_view name);

/// resolve()'s first step alone: an exported name or a function id (a map lookup each), else
/// nullopt. Inside an `entered` scope.
std::optional<resolved> find_exported(v8::Isolate* isolate, std::string_view name);

/// Calls `target` with `argv` as Node calls a callback (microtasks and process.nextTick run when
/// it returns: js_host_call.hpp), then settles the result: a Promise is awaited on the event loop.
/// `function` names it in errors. Inside an `entered` scope.
message invoke(v8::Isolate* isolate, v8::Local<v8::Context> ctx, const resolved& target, int argc,
               v8::Local<v8::Value>* argv, std::string_view function);

/// invoke() through a route (js_route.hpp): `argv` starts with the module's exports when the
/// route has them. nullopt when the route found no function under the name (nothing was called).
std::optional<message> invoke_route(v8::Isolate* isolate, v8::Local<v8::Context> ctx, const route& r, int argc,
                                    v8::Local<v8::Value>* argv, std::string_view function);

/// invoke() with n arguments, argument i being convert(isolate, i): on the stack for up to eight.
/// Converts them in order, 0 to n-1 (a message::cursor taking their buffers relies on it).
template <class Convert>
message invoke_with(v8::Isolate* isolate, v8::Local<v8::Context> ctx, const resolved& target, std::size_t n,
                    Convert&& convert, std::string_view function) {
  std::array<v8::Local<v8::Value>, 8> small;
  std::vector<v8::Local<v8::Value>> large;
  v8::Local<v8::Value>* argv = small.data();
  if (n > small.size()) {
    large.resize(n);
    argv = large.data();
  }
  for (std::size_t i = 0; i < n; ++i) argv[i] = convert(isolate, i);
  return invoke(isolate, ctx, target, static_cast<int>(n), argv, function);
}

/// A value as the result of a call: a Promise is awaited (running the event loop) and its value
/// or rejection taken; then the value becomes a message. Errors say "the result of <doing><name>"
/// (two parts, so that the hot path builds no string).
message settle(v8::Isolate* isolate, v8::Local<v8::Value> value, std::string_view doing, std::string_view name = {});

/// settle() of a value known not to be a Promise (one awaited already): just the message.
message settled_to_message(v8::Isolate* isolate, v8::Local<v8::Value> value, std::string_view doing,
                           std::string_view name);

/// The completion value of evaluated code as eval's result (a Promise awaited first, a rejection
/// thrown): the message when it can cross, null when the conversion refuses it (a Map, an Error, a
/// symbol, NaN, anywhere in the value). Code is evaluated for its effect, which has happened; an
/// error now would report a failure that did not occur (`globalThis.m = new Map()`). A call's
/// result, which the caller asked for, still fails with the reason (settle()).
message settle_completion(v8::Isolate* isolate, v8::Local<v8::Value> value);
/// settle_completion() of a value known not to be a Promise.
message completion_to_message(v8::Isolate* isolate, v8::Local<v8::Value> value);

}  // namespace promethean::js
