// A JS function called by name, looked up by JS itself (js_route.hpp).
#include "js_route.hpp"

#include "js_engine.hpp"
#include "js_errors.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace promethean::js {
namespace {

constexpr std::size_t k_max_routed_names = 4096;  // names are code's, but a caller may send any
constexpr std::size_t k_max_routed_name = 1024;   // longer ones are compiled into no source
constexpr const char* k_route_script = "promethean-route";
static_assert(std::tuple_size_v<decltype(engine::route_set::from_global)> == k_max_route_arity + 1);

/// The route's source: `(function (missing) { return function (m?, a0, …) { … } })`, whose walk is
/// resolve()'s: from the module's exports past the stem, or from globalThis; every step an object
/// (a function included) and every property defined; the last a function, called with the object
/// it was found on as `this` (undefined for a module's exports called by its stem).
std::string route_source(std::string_view name, bool from_module, std::size_t argc) {
  const std::vector<std::string_view> parts = dotted_parts(name);
  std::string args;
  for (std::size_t i = 0; i < argc; ++i) args += (i == 0 ? "a" : ", a") + std::to_string(i);
  std::string walk;
  for (std::size_t i = from_module ? 1 : 0; i < parts.size(); ++i) {
    // A JSON string is a JS string literal: whatever the name holds stays data.
    walk += "    if (t === null || (typeof t !== 'object' && typeof t !== 'function')) return missing;\n"
            "    s = t; t = t[" + nlohmann::json(std::string(parts[i])).dump() + "];\n"
            "    if (t === undefined) return missing;\n";
  }
  return "(function (missing) {\n  'use strict';\n  return function promethean_route(" +
         std::string(from_module ? (argc ? "m, " : "m") : "") + args + ") {\n" +
         "    let s, t;\n    try {\n    t = " + (from_module ? "m" : "globalThis") + ";\n" + walk +
         "    } catch (e) { return missing; }\n    if (typeof t !== 'function') return missing;\n" +
         "    return t.call(s" + (argc ? ", " : "") + args + ");\n  };\n})";
}

v8::Local<v8::Function> make_route(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::string_view name,
                                   bool from_module, std::size_t argc, v8::Local<v8::Symbol> missing) {
  v8::TryCatch caught(isolate);
  v8::ScriptOrigin origin(isolate, v8_string(isolate, k_route_script));
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> maker;
  v8::Local<v8::Value> fn;
  v8::Local<v8::Value> argv[] = {missing};
  if (!v8::Script::Compile(ctx, v8_string(isolate, route_source(name, from_module, argc)), &origin).ToLocal(&script) ||
      !script->Run(ctx).ToLocal(&maker) || !maker->IsFunction() ||
      !maker.As<v8::Function>()->Call(ctx, v8::Undefined(isolate), 1, argv).ToLocal(&fn) || !fn->IsFunction()) {
    // A deadline or Ctrl-C that stopped JS while the route was made stops the call too: caught
    // here and dropped, the termination would be lost and the function run without its deadline.
    if (caught.HasTerminated() || isolate->IsExecutionTerminating()) {
      throw_from_js(isolate, caught, "calling " + std::string(name));
    }
    return {};  // not expected (the source is made of literals); resolve() then takes the call
  }
  return fn.As<v8::Function>();
}

}  // namespace

std::optional<route> find_route(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::string_view name, std::size_t argc) {
  auto& g = engine::get();
  if (argc > k_max_route_arity || name.size() > k_max_routed_name || name.empty()) return std::nullopt;
  const std::string_view stem = name.substr(0, name.find('.'));
  const auto module = g.modules.find(stem);
  const bool from_module = module != g.modules.end();
  auto routes = g.routes.find(name);
  if (routes == g.routes.end()) {
    if (g.routes.size() >= k_max_routed_names) g.routes.clear();
    routes = g.routes.emplace(std::string(name), engine::route_set{}).first;
  }
  auto& slot = (from_module ? routes->second.from_module : routes->second.from_global)[argc];
  if (slot.IsEmpty()) {
    if (routes->second.calls_before < k_calls_before_route) {
      ++routes->second.calls_before;
      return std::nullopt;
    }
    if (g.route_missing.IsEmpty()) {
      g.route_missing.Reset(isolate, v8::Symbol::New(isolate, v8_string(isolate, "missing")));
    }
    const v8::Local<v8::Function> made =
        make_route(isolate, ctx, name, from_module, argc, g.route_missing.Get(isolate));
    if (made.IsEmpty()) return std::nullopt;
    slot.Reset(isolate, made);
  }
  return route{slot.Get(isolate), from_module ? v8::Local<v8::Value>(module->second.Get(isolate)) : v8::Local<v8::Value>(),
               &g.route_missing};
}

std::vector<std::string_view> dotted_parts(std::string_view name) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string without_route_frames(std::string stack) {
  const std::string marker = std::string(" (") + k_route_script + ":";
  for (auto at = stack.find(marker); at != std::string::npos; at = stack.find(marker, at)) {
    const auto begin = stack.rfind('\n', at);
    const auto end = stack.find('\n', at);
    if (begin == std::string::npos) break;  // the first line is the message, never a frame
    stack.erase(begin, end == std::string::npos ? std::string::npos : end - begin);
    at = begin;
  }
  return stack;
}

}  // namespace promethean::js
