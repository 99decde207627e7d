// JS exceptions ↔ the promethean error family.
#include "js_errors.hpp"

#include "js_engine.hpp"
#include "js_heap_limit.hpp"

namespace promethean::js {
namespace {
/// A property as a string, or empty when it is missing, not a string, or its getter throws.
std::string string_property(v8::Isolate* isolate, v8::Local<v8::Object> o, const char* name) {
  v8::TryCatch ignored(isolate);
  v8::Local<v8::Value> v;
  if (!o->Get(isolate->GetCurrentContext(), v8_string(isolate, name)).ToLocal(&v) || !v->IsString()) return {};
  return to_utf8(isolate, v);
}

/// Error text as a JS string, clipped when it is too long to be one (an error may quote a value
/// that was itself too large for JS): raising an error never fails for want of room.
v8::Local<v8::String> error_text(v8::Isolate* isolate, std::string_view text) {
  constexpr std::size_t k_max_error_text = std::size_t{1} << 20;
  if (text.size() <= k_max_error_text) return v8_string(isolate, text);
  return v8_string(isolate, std::string(text.substr(0, k_max_error_text)) + "... (clipped: " +
                                std::to_string(text.size()) + " bytes in all)");
}
}  // namespace

void throw_exception_value(v8::Isolate* isolate, v8::Local<v8::Value> exception) {
  if (!exception->IsObject()) {
    // `throw "text"` or `throw 42`: no name, no stack.
    throw js_error("Error", "uncaught " + std::string(exception->IsString() ? "string" : "value") + ": " +
                                 to_utf8(isolate, exception));
  }
  auto o = exception.As<v8::Object>();
  std::string name = string_property(isolate, o, "name");
  std::string message = string_property(isolate, o, "message");
  std::string stack = string_property(isolate, o, "stack");
  auto& g = engine::get();
  if (!g.foreign_error.IsEmpty()) {
    v8::TryCatch ignored(isolate);
    if (o->InstanceOf(isolate->GetCurrentContext(), g.foreign_error.Get(isolate)).FromMaybe(false)) {
      // An error from another runtime that JS let through: it stays that runtime's error, and the
      // trace shows where it passed through JS.
      std::string trace = string_property(isolate, o, "trace");
      throw error(string_property(isolate, o, "runtime"), string_property(isolate, o, "type"), message,
                   trace + (trace.empty() ? "" : "\n") + "[js] " + stack);
    }
  }
  if (name.empty()) name = "Error";
  if (message.empty() && stack.empty()) message = to_utf8(isolate, exception);
  throw js_error(name, message, stack);
}

void throw_from_js(v8::Isolate* isolate, v8::TryCatch& caught, std::string_view doing) {
  auto& g = engine::get();
  if (g.exit_code) {
    throw js_error("Exit", "process.exit(" + std::to_string(*g.exit_code) + ") was called while " + std::string(doing) +
                               "; the js runtime has ended");
  }
  const bool stopped = caught.HasTerminated() || !caught.HasCaught();
  if (stopped && recover_from_heap_limit(isolate)) throw_heap_limit_error(doing);  // the heap limit stopped it
  if (caught.HasTerminated()) throw js_error("Terminated", "JS execution was terminated while " + std::string(doing));
  if (!caught.HasCaught()) throw js_error("Error", "JS failed without an exception while " + std::string(doing));
  throw_exception_value(isolate, caught.Exception());
}

void throw_into_js(v8::Isolate* isolate, const error& e) {
  auto& g = engine::get();
  v8::Local<v8::Context> ctx = isolate->GetCurrentContext();
  v8::Local<v8::Value> args[] = {error_text(isolate, e.runtime()), error_text(isolate, e.type()),
                                 error_text(isolate, e.message()), error_text(isolate, e.trace())};
  v8::Local<v8::Object> thrown;
  if (g.foreign_error.IsEmpty() ||
      !g.foreign_error.Get(isolate)->NewInstance(ctx, 4, args).ToLocal(&thrown)) {
    isolate->ThrowException(v8::Exception::Error(error_text(isolate, e.what())));
    return;
  }
  isolate->ThrowException(thrown);
}

void throw_type_error(v8::Isolate* isolate, std::string_view message) {
  isolate->ThrowException(v8::Exception::TypeError(error_text(isolate, message)));
}

void type_error(const std::string& message) { throw js_error("TypeError", message); }

void v8_failed(v8::Isolate* isolate, const std::string& doing) {
  if (isolate->IsExecutionTerminating()) throw js_error("Terminated", "JS execution was terminated while " + doing);
  throw js_error("RangeError", "JS could not hold the value: " + doing + " failed");
}

std::string describe_type(v8::Isolate* isolate, v8::Local<v8::Value> v) {
  if (v->IsObject()) {
    std::string ctor = to_utf8(isolate, v.As<v8::Object>()->GetConstructorName());
    return ctor.empty() ? "object" : ctor;
  }
  return to_utf8(isolate, v->TypeOf(isolate));
}

}  // namespace promethean::js
