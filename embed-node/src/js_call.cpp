// One call of a JS function from the host (see js_call.hpp).
#include "js_call.hpp"

#include "js_conversion.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"
#include "js_event_loop.hpp"
#include "js_host_call.hpp"

#include <promethean/article.hpp>
#include <promethean/error.hpp>

#include <node.h>

#include <string>
#include <vector>

namespace promethean::js {
namespace {
constexpr std::size_t k_max_name_keys = 4096;  // names are code's, but a caller may send any
}  // namespace

std::optional<resolved> find_exported(v8::Isolate* isolate, std::string_view name) {
  auto& g = engine::get();
  if (auto it = g.exported.find(name); it != g.exported.end()) return resolved{it->second.Get(isolate), v8::Undefined(isolate)};
  if (auto it = g.callables.find(name); it != g.callables.end()) return resolved{it->second.Get(isolate), v8::Undefined(isolate)};
  return std::nullopt;
}

resolved resolve(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::string_view name) {
  auto& g = engine::get();
  if (auto direct = find_exported(isolate, name)) return *direct;
  const std::vector<std::string_view> parts = dotted_parts(name);
  // The parts as internalized V8 strings, made once per name rather than per call (issue 26):
  // only the keys are kept, so every call still looks the name up and sees a reassignment.
  auto keys = g.name_keys.find(name);
  if (keys == g.name_keys.end()) {
    if (g.name_keys.size() >= k_max_name_keys) g.name_keys.clear();
    std::vector<v8::Global<v8::String>> made;
    for (std::string_view part : parts) {
      v8::Local<v8::String> key;
      if (!v8::String::NewFromUtf8(isolate, part.data(), v8::NewStringType::kInternalized, static_cast<int>(part.size()))
               .ToLocal(&key)) {
        key = v8_string(isolate, part);  // too long to internalize: its error, or a plain string
      }
      made.emplace_back(isolate, key);
    }
    keys = g.name_keys.emplace(std::string(name), std::move(made)).first;
  }
  v8::Local<v8::Value> target = ctx->Global();
  std::size_t i = 0;
  if (auto it = g.modules.find(parts[0]); it != g.modules.end()) {
    target = it->second.Get(isolate);
    i = 1;
  }
  v8::Local<v8::Value> self = v8::Undefined(isolate);
  for (; i < parts.size(); ++i) {
    v8::Local<v8::Value> next;
    v8::TryCatch caught(isolate);
    if (!target->IsObject() || !target.As<v8::Object>()->Get(ctx, keys->second[i].Get(isolate)).ToLocal(&next) ||
        next->IsUndefined()) {
      throw usage_error("js: no function '" + std::string(name) + "': '" + std::string(parts[i]) +
                            "' not found (looked in exported names, loaded modules and globalThis)",
                        "js");
    }
    self = target;
    target = next;
  }
  if (!target->IsFunction()) {
    throw usage_error("js: '" + std::string(name) + "' is " + with_article(to_utf8(isolate, target->TypeOf(isolate))) +
                          ", not a function",
                      "js");
  }
  return {target.As<v8::Function>(), self};
}

namespace {
/// settled_to_message(), inline into a call's own path: the rewording costs nothing until it throws.
[[gnu::always_inline]] inline message result_message(v8::Isolate* isolate, v8::Local<v8::Value> value,
                                                     std::string_view doing, std::string_view name) {
  try {
    return to_message(isolate, value);
  } catch (const js_error& e) {
    throw js_error(e.type(), "the result of " + std::string(doing) + std::string(name) + ": " + e.message(), e.trace());
  }
}

/// The call as Node calls a callback, its result as it came (a Promise's rejection handled here).
/// Inline into both callers: it is most of a call's own work, and a frame less is ~5% of a call.
[[gnu::always_inline]] inline v8::Local<v8::Value> call_as_callback(v8::Isolate* isolate, v8::Local<v8::Context> ctx,
                                                                    v8::Local<v8::Function> fn,
                                                                    v8::Local<v8::Value> self, int argc,
                                                                    v8::Local<v8::Value>* argv,
                                                                    std::string_view function) {
  v8::Local<v8::Value> result;
  host_call_scope scope(isolate);
  v8::TryCatch caught(isolate);
  if (!fn->Call(ctx, self, argc, argv).ToLocal(&result)) throw_from_js(isolate, caught, "calling " + std::string(function));
  if (result->IsPromise()) handle_rejection_here(result);
  return result;
}
}  // namespace

message invoke(v8::Isolate* isolate, v8::Local<v8::Context> ctx, const resolved& target, int argc,
               v8::Local<v8::Value>* argv, std::string_view function) {
  const v8::Local<v8::Value> result = call_as_callback(isolate, ctx, target.fn, target.self, argc, argv, function);
  if (result->IsPromise()) return settle(isolate, result, "js function ", function);
  return result_message(isolate, result, "js function ", function);
}

std::optional<message> invoke_route(v8::Isolate* isolate, v8::Local<v8::Context> ctx, const route& r, int argc,
                                    v8::Local<v8::Value>* argv, std::string_view function) {
  v8::Local<v8::Value> result = call_as_callback(isolate, ctx, r.fn, v8::Undefined(isolate), argc, argv, function);
  if (result == *r.missing) return std::nullopt;
  if (result->IsPromise()) return settle(isolate, result, "js function ", function);
  return result_message(isolate, result, "js function ", function);
}

message settle(v8::Isolate* isolate, v8::Local<v8::Value> value, std::string_view doing, std::string_view name) {
  if (value->IsPromise()) value = await_value(value.As<v8::Promise>());
  return settled_to_message(isolate, value, doing, name);
}

message settled_to_message(v8::Isolate* isolate, v8::Local<v8::Value> value, std::string_view doing,
                           std::string_view name) {
  return result_message(isolate, value, doing, name);
}

message settle_completion(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value->IsPromise()) value = await_value(value.As<v8::Promise>());
  return completion_to_message(isolate, value);
}

message completion_to_message(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  try {
    return settled_to_message(isolate, value, "evaluated code", {});
  } catch (const js_error& e) {
    // The conversion's refusals are TypeErrors (js_errors.hpp); a termination (a timeout, Ctrl-C)
    // met while converting is not a refusal and goes on unwinding.
    if (e.type() != "TypeError" || isolate->IsExecutionTerminating()) throw;
    return message();  // null: the code ran, its value stays in JS
  }
}

}  // namespace promethean::js
