// The native functions of the `promethean` JS module: DESIGN.md's JS API, routing through the Host.
// Every call into another runtime gives the isolate lock up while it waits (a v8::Unlocker), so
// that the callee may call back into JS from any thread.
#include "js_module.hpp"

#include "js_async_call.hpp"
#include "js_conversion.hpp"
#include "js_deadline.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <array>
#include <cmath>
#include <span>
#include <string>

namespace promethean::js {
namespace {
using info_t = v8::FunctionCallbackInfo<v8::Value>;

host& the_host() { return *engine::get().owner; }

thread_local int t_module_functions = 0;  ///< module_functions_here()

/// Runs a native function body; promethean errors become a thrown ForeignError in JS.
template <class F>
void guarded(const info_t& info, F&& body) {
  struct counted {
    counted() noexcept { ++t_module_functions; }
    ~counted() { --t_module_functions; }
  } inside;
  try {
    body(info.GetIsolate());
  } catch (const error& e) {
    // JS being terminated (a timeout, shutdown) unwinds uncatchably: an exception thrown now
    // would replace the termination with one that JS can catch.
    if (info.GetIsolate()->IsExecutionTerminating()) return;
    throw_into_js(info.GetIsolate(), e);
  }
}

/// Runs `f` without the isolate lock (another runtime is working, and may call back into JS).
template <class F>
auto unlocked(v8::Isolate* isolate, F&& f) {
  // Back with the lock: if this thread's timed call expired meanwhile, its JS stops now.
  struct on_return {
    v8::Isolate* isolate;
    ~on_return() { terminate_if_expired(isolate); }
  } check{isolate};
  lock_given_up unlocker(isolate);
  return f();
}

std::string string_arg(const info_t& info, int i, const char* function, const char* what) {
  if (info.Length() <= i || !info[i]->IsString()) {
    throw usage_error(std::string("promethean.") + function + ": argument " + std::to_string(i + 1) + " (" + what +
                          ") must be a string",
                      "js");
  }
  // The same string object as a recent call's (a literal in a loop): its UTF-8 is known.
  const v8::Local<v8::String> text = info[i].As<v8::String>();
  auto& g = engine::get();
  for (const auto& known : g.known_texts) {
    if (known.text == text) return known.utf8;
  }
  std::string utf8 = to_utf8(info.GetIsolate(), text);
  if (utf8.size() <= 64) {  // names, not code: code is seldom the same object twice
    auto& slot = g.known_texts[g.next_known_text++ % g.known_texts.size()];
    slot.text.Reset(info.GetIsolate(), text);
    slot.utf8 = utf8;
  }
  return utf8;
}

v8::Local<v8::Function> function_arg(const info_t& info, int i, const char* function) {
  if (info.Length() <= i || !info[i]->IsFunction()) {
    throw usage_error(std::string("promethean.") + function + ": argument " + std::to_string(i + 1) +
                          " must be a function",
                      "js");
  }
  return info[i].As<v8::Function>();
}

/// JSON as plain JS values (buffer handles stay objects: for bufferInfo and runtimes()).
v8::Local<v8::Value> plain(v8::Isolate* isolate, const nlohmann::json& j) {
  v8::Local<v8::Value> out;
  if (!v8::JSON::Parse(isolate->GetCurrentContext(), v8_string(isolate, j.dump())).ToLocal(&out)) {
    throw js_error("RangeError", "JS could not parse the host's JSON (" + std::to_string(j.size()) + " items)");
  }
  return out;
}

buffer buffer_arg(const info_t& info, int i, const char* function) {
  if (info.Length() > i) {
    if (auto b = adopt(info.GetIsolate(), info[i])) return *b;
  }
  throw usage_error(std::string("promethean.") + function + ": argument " + std::to_string(i + 1) +
                        " must be an ArrayBuffer, a TypedArray, a DataView or a Buffer",
                    "js");
}

void js_eval(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "eval", "runtime");
    const std::string code = string_arg(info, 1, "eval", "code");
    message result = unlocked(isolate, [&] { return the_host().eval(rt, code).data; });
    info.GetReturnValue().Set(from_message(isolate, result));
  });
}

void js_call(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "call", "runtime");
    const std::string fn = string_arg(info, 1, "call", "function");
    std::array<argument, 8> typed;
    std::array<std::string, 8> text;
    std::array<buffer, 8> buffers;
    if (typed_arguments(isolate, info, 2, typed, text, buffers)) {
      const std::span<const argument> typed_args(typed.data(), static_cast<std::size_t>(info.Length() - 2));
      message result = unlocked(isolate, [&] { return the_host().call_typed(rt, fn, typed_args); });
      info.GetReturnValue().Set(from_message(isolate, result));
      return;
    }
    std::vector<lent_handle> lent;
    message args = arguments_to_message(isolate, info, 2, &lent);
    message result = unlocked(isolate, [&] { return the_host().call(rt, fn, args); });
    give_back_handles(args, lent);
    info.GetReturnValue().Set(from_message(isolate, result));
  });
}

// callAsync(runtime, fn, ...args) and evalAsync(runtime, code): a Promise at once; the other
// runtime works meanwhile (a Python coroutine on its asyncio loop, a blocking call on a worker of
// the host), and the Promise settles on this loop when it is done (js_async_call.hpp).
void js_call_async(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "callAsync", "runtime");
    const std::string fn = string_arg(info, 1, "callAsync", "function");
    message args = arguments_to_message(isolate, info, 2);
    auto pending = unlocked(isolate, [&] { return the_host().call_async(rt, fn, args); });
    info.GetReturnValue().Set(promise_for(isolate, isolate->GetCurrentContext(), std::move(pending)));
  });
}

void js_eval_async(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "evalAsync", "runtime");
    const std::string code = string_arg(info, 1, "evalAsync", "code");
    auto pending = unlocked(isolate, [&] { return the_host().eval_async(rt, code); });
    info.GetReturnValue().Set(promise_for(isolate, isolate->GetCurrentContext(), std::move(pending)));
  });
}

/// A timeout in seconds (argument `i`) as call options.
call_options timeout_arg(const info_t& info, int i, const char* function) {
  if (info.Length() <= i || !info[i]->IsNumber() || !(info[i].As<v8::Number>()->Value() > 0) ||
      info[i].As<v8::Number>()->Value() > 1e9) {
    throw usage_error(std::string("promethean.") + function + ": argument " + std::to_string(i + 1) +
                          " (the timeout) must be a positive number of seconds",
                      "js");
  }
  call_options options;
  options.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(info[i].As<v8::Number>()->Value() * 1000)));
  return options;
}

// evalWithTimeout(seconds, runtime, code) and callWithTimeout(seconds, runtime, fn, ...args): the
// call fails with a ForeignError of type "Timeout" when it runs past the time.
void js_eval_with_timeout(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const call_options options = timeout_arg(info, 0, "evalWithTimeout");
    const std::string rt = string_arg(info, 1, "evalWithTimeout", "runtime");
    const std::string code = string_arg(info, 2, "evalWithTimeout", "code");
    message result = unlocked(isolate, [&] { return the_host().eval(rt, code, options).data; });
    info.GetReturnValue().Set(from_message(isolate, result));
  });
}

void js_call_with_timeout(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const call_options options = timeout_arg(info, 0, "callWithTimeout");
    const std::string rt = string_arg(info, 1, "callWithTimeout", "runtime");
    const std::string fn = string_arg(info, 2, "callWithTimeout", "function");
    message args = arguments_to_message(isolate, info, 3);
    message result = unlocked(isolate, [&] { return the_host().call(rt, fn, args, options); });
    info.GetReturnValue().Set(from_message(isolate, result));
  });
}

void js_export(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    // export(name, fn), or export(fn) under the function's own name.
    v8::Local<v8::Function> fn;
    std::string name;
    if (info.Length() >= 1 && info[0]->IsFunction()) {
      fn = info[0].As<v8::Function>();
      name = to_utf8(isolate, fn->GetName());
      if (name.empty()) throw usage_error("promethean.export: an anonymous function needs a name: export(name, fn)", "js");
    } else {
      name = string_arg(info, 0, "export", "name");
      fn = function_arg(info, 1, "export");
    }
    engine::get().exported[name].Reset(isolate, fn);
    info.GetReturnValue().Set(fn);
  });
}

void js_load(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "load", "runtime");
    const std::string path = string_arg(info, 1, "load", "path");
    unlocked(isolate, [&] {
      the_host().load(rt, path);
      return 0;
    });
  });
}

void js_send_json(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string rt = string_arg(info, 0, "sendJson", "runtime");
    message payload = to_message(isolate, info.Length() > 1 ? info[1] : v8::Undefined(isolate).As<v8::Value>());
    message reply = unlocked(isolate, [&] { return the_host().send_json(rt, payload); });
    info.GetReturnValue().Set(from_message(isolate, reply));
  });
}

void js_on_message(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    v8::Local<v8::Function> fn = function_arg(info, 0, "onMessage");
    engine::get().message_handler.Reset(isolate, fn);
    info.GetReturnValue().Set(fn);
  });
}

std::vector<std::size_t> shape_arg(const info_t& info, int i, const char* function) {
  v8::Isolate* isolate = info.GetIsolate();
  auto bad = [&] {
    return usage_error(std::string("promethean.") + function + ": the shape must be a non-negative integer or an array of them",
                       "js");
  };
  if (info.Length() <= i) throw bad();
  message m = to_message(isolate, info[i]);
  const nlohmann::json& j = m.value();
  std::vector<std::size_t> shape;
  if (j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
    shape.push_back(j.get<std::size_t>());
  } else if (j.is_array()) {
    for (const auto& d : j) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<std::int64_t>() >= 0)) throw bad();
      shape.push_back(d.get<std::size_t>());
    }
  } else {
    throw bad();
  }
  return shape;
}

void js_alloc(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    auto shape = shape_arg(info, 0, "alloc");
    std::optional<dtype> format;
    if (info.Length() > 1 && !info[1]->IsNullOrUndefined()) format = parse_dtype(string_arg(info, 1, "alloc", "format"));
    buffer b;
    if (info.Length() > 2 && !info[2]->IsNullOrUndefined()) {
      auto type = the_host().buffer_types().get(string_arg(info, 2, "alloc", "type"));
      b = the_host().buffer_types().apply(buffer::allocate(format.value_or(type.format.value_or(dtype::float32)), shape),
                                          type.name);
    } else {
      b = buffer::allocate(format.value_or(dtype::float32), shape);
    }
    info.GetReturnValue().Set(to_typed_array(isolate, b));
  });
}

void js_register_buffer_type(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string name = string_arg(info, 0, "registerBufferType", "name");
    if (info.Length() < 2 || !info[1]->IsObject()) {
      throw usage_error("promethean.registerBufferType: argument 2 must be {layout, format, fixed}", "js");
    }
    const nlohmann::json spec = to_message(isolate, info[1]).value();
    std::vector<std::string> layout;
    std::optional<std::string> format;
    std::map<std::string, std::size_t> fixed;
    try {
      layout = spec.at("layout").get<std::vector<std::string>>();
      if (spec.contains("format") && !spec["format"].is_null()) format = spec["format"].get<std::string>();
      if (spec.contains("fixed") && !spec["fixed"].is_null()) fixed = spec["fixed"].get<std::map<std::string, std::size_t>>();
    } catch (const nlohmann::json::exception&) {
      throw usage_error("promethean.registerBufferType: expected {layout: [names], format: 'uint8', fixed: {name: size}}, got " +
                            spec.dump(),
                        "js");
    }
    the_host().buffer_types().add(
        buffer_type::make(name, layout, format ? std::optional<std::string_view>(*format) : std::nullopt, fixed));
  });
}

void js_buffer_info(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    info.GetReturnValue().Set(plain(isolate, buffer_info_json(buffer_arg(info, 0, "bufferInfo"))));
  });
}

void js_register_view(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    const std::string type = string_arg(info, 0, "registerView", "type");
    const std::string name = string_arg(info, 1, "registerView", "name");
    v8::Local<v8::Function> fn = function_arg(info, 2, "registerView");
    const std::string key = view_registry::function_name(type, name);
    engine::get().exported[key].Reset(isolate, fn);
    unlocked(isolate, [&] {
      the_host().register_view(type, name, "js", key);
      return 0;
    });
    info.GetReturnValue().Set(fn);
  });
}

void js_view(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    buffer b = buffer_arg(info, 0, "view");
    const std::string name = string_arg(info, 1, "view", "name");
    message result = unlocked(isolate, [&] { return the_host().view(b, name); });
    info.GetReturnValue().Set(from_message(isolate, result));
  });
}

// kw({name: value, ...}): keyword arguments, as a call's last argument (a Python function's keywords).
void js_kw(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    if (info.Length() != 1 || !info[0]->IsObject() || info[0]->IsArray() || info[0]->IsFunction()) {
      throw error("js", "TypeError", "promethean.kw(values) takes one object of keyword arguments, e.g. kw({reverse: true})");
    }
    info.GetReturnValue().Set(keyword_arguments(isolate, info[0].As<v8::Object>()));
  });
}

void js_runtimes(const info_t& info) {
  guarded(info, [&](v8::Isolate* isolate) {
    nlohmann::json map = unlocked(isolate, [&] { return the_host().dispatch_map(); });
    info.GetReturnValue().Set(plain(isolate, map));
  });
}
}  // namespace

int module_functions_here() noexcept { return t_module_functions; }

void install_module(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> bridge,
                    const std::filesystem::path& main_script, bool hosted) {
  v8::Local<v8::Object> natives = v8::Object::New(isolate);
  auto add = [&](const char* name, v8::FunctionCallback fn) {
    v8::Local<v8::Function> f = v8::Function::New(context, fn).ToLocalChecked();
    f->SetName(v8_string(isolate, name));
    natives->Set(context, v8_string(isolate, name), f).Check();
  };
  add("eval", js_eval);
  add("call", js_call);
  add("callAsync", js_call_async);
  add("evalAsync", js_eval_async);
  add("evalWithTimeout", js_eval_with_timeout);
  add("callWithTimeout", js_call_with_timeout);
  add("export", js_export);
  add("load", js_load);
  add("sendJson", js_send_json);
  add("onMessage", js_on_message);
  add("alloc", js_alloc);
  add("registerBufferType", js_register_buffer_type);
  add("bufferInfo", js_buffer_info);
  add("registerView", js_register_view);
  add("view", js_view);
  add("runtimes", js_runtimes);
  add("kw", js_kw);

  v8::TryCatch caught(isolate);
  v8::Local<v8::Value> install;
  v8::Local<v8::Value> foreign_error;
  v8::Local<v8::Value> script = main_script.empty() ? v8::Undefined(isolate).As<v8::Value>()
                                                    : v8_string(isolate, main_script.string()).As<v8::Value>();
  v8::Local<v8::Value> argv[] = {natives, script, v8::Boolean::New(isolate, hosted)};
  if (!bridge->Get(context, v8_string(isolate, "install")).ToLocal(&install) || !install->IsFunction() ||
      !install.As<v8::Function>()->Call(context, bridge, 3, argv).ToLocal(&foreign_error) ||
      !foreign_error->IsFunction()) {
    if (caught.HasCaught()) throw_from_js(isolate, caught, "installing the promethean module");
    throw js_error("InitError", "the bootstrap's install() did not return ForeignError");
  }
  engine::get().foreign_error.Reset(isolate, foreign_error.As<v8::Function>());
}

}  // namespace promethean::js
