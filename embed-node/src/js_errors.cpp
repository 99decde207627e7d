// JS exceptions ↔ the promethean error family.
#include "js_errors.hpp"

#include "js_engine.hpp"
#include "js_route.hpp"
#include "js_heap_limit.hpp"

#include <memory>
#include <set>

namespace promethean::js {
namespace {
/// A JS exception an error began as (error_origin), kept in the engine's table while the error
/// (or another runtime's exception made from it) lives; let go under the isolate lock.
struct js_origin final : error_origin {
  std::uint64_t key;
  explicit js_origin(std::uint64_t k) : key(k) {}
  js_origin(const js_origin&) = delete;
  js_origin& operator=(const js_origin&) = delete;
  ~js_origin() override {
    auto& g = engine::get();
    if (!g.alive) return;
    g.releases.push([k = key] {
      auto& e = engine::get();
      if (e.alive) e.error_origins.erase(k);
    });
  }
  const char* runtime() const noexcept override { return "js"; }
};

std::shared_ptr<const error_origin> remember_origin(v8::Isolate* isolate, v8::Local<v8::Value> exception) {
  auto& g = engine::get();
  if (!g.alive) return nullptr;
  const std::uint64_t key = g.next_error_origin++;
  g.error_origins[key].Reset(isolate, exception);
  return std::make_shared<js_origin>(key);
}

/// What a promethean.ForeignError holds of its error's origin (a private field, so that the
/// origin goes on with the error if JS throws it on): freed when V8 collects the ForeignError, or
/// when the engine stops.
struct origin_holder {
  std::shared_ptr<const error_origin> origin;
  v8::Global<v8::Object> self;
};
std::set<origin_holder*>& origin_holders() {
  static std::set<origin_holder*> all;  // touched under the isolate lock only
  return all;
}

v8::Local<v8::Private> origin_key(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, v8_string(isolate, "promethean.error_origin"));
}

void attach_origin(v8::Isolate* isolate, v8::Local<v8::Object> foreign, std::shared_ptr<const error_origin> origin) {
  auto holder = std::make_unique<origin_holder>(origin_holder{std::move(origin), {}});
  if (!foreign->SetPrivate(isolate->GetCurrentContext(), origin_key(isolate), v8::External::New(isolate, holder.get()))
           .FromMaybe(false)) {
    return;  // the error goes on without it: it comes back as a ForeignError, not as itself
  }
  holder->self.Reset(isolate, foreign);
  holder->self.SetWeak(
      holder.get(),
      [](const v8::WeakCallbackInfo<origin_holder>& data) {
        origin_holder* h = data.GetParameter();
        h->self.Reset();
        origin_holders().erase(h);
        delete h;
      },
      v8::WeakCallbackType::kParameter);
  origin_holders().insert(holder.release());
}

std::shared_ptr<const error_origin> origin_of(v8::Isolate* isolate, v8::Local<v8::Object> foreign) {
  v8::Local<v8::Value> held;
  if (!foreign->GetPrivate(isolate->GetCurrentContext(), origin_key(isolate)).ToLocal(&held) || !held->IsExternal()) {
    return nullptr;
  }
  return static_cast<origin_holder*>(held.As<v8::External>()->Value())->origin;
}

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
  std::string stack = without_route_frames(string_property(isolate, o, "stack"));
  auto& g = engine::get();
  if (!g.foreign_error.IsEmpty()) {
    v8::TryCatch ignored(isolate);
    if (o->InstanceOf(isolate->GetCurrentContext(), g.foreign_error.Get(isolate)).FromMaybe(false)) {
      // An error from another runtime that JS let through: it stays that runtime's error (and
      // what it began as), and the trace shows where it passed through JS (the stack's own
      // frames: the foreign traceback that ForeignError adds to it is `trace` already).
      std::string trace = string_property(isolate, o, "trace");
      std::string own_stack = without_route_frames(string_property(isolate, o, "jsStack"));
      error passed_on(string_property(isolate, o, "runtime"), string_property(isolate, o, "type"), message,
                      trace + (trace.empty() ? "" : "\n") + "[js] " + (own_stack.empty() ? stack : own_stack));
      passed_on.set_origin(origin_of(isolate, o));
      throw passed_on;
    }
  }
  if (name.empty()) name = "Error";
  if (message.empty() && stack.empty()) message = to_utf8(isolate, exception);
  js_error raised(name, message, stack);
  raised.set_origin(remember_origin(isolate, exception));
  throw raised;
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
  if (e.origin() && std::string_view(e.origin()->runtime()) == "js") {
    // A JS exception back from its trip: the very value that was thrown.
    if (const auto* began = dynamic_cast<const js_origin*>(e.origin().get())) {
      if (auto it = g.error_origins.find(began->key); it != g.error_origins.end()) {
        isolate->ThrowException(it->second.Get(isolate));
        return;
      }
    }
  }
  v8::Local<v8::Context> ctx = isolate->GetCurrentContext();
  v8::Local<v8::Value> args[] = {error_text(isolate, e.runtime()), error_text(isolate, e.type()),
                                 error_text(isolate, e.message()), error_text(isolate, e.trace())};
  v8::Local<v8::Object> thrown;
  if (g.foreign_error.IsEmpty() ||
      !g.foreign_error.Get(isolate)->NewInstance(ctx, 4, args).ToLocal(&thrown)) {
    isolate->ThrowException(v8::Exception::Error(error_text(isolate, e.what())));
    return;
  }
  if (e.origin()) attach_origin(isolate, thrown, e.origin());
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

void free_error_origin_holders() {
  for (origin_holder* h : origin_holders()) {
    h->self.Reset();
    delete h;
  }
  origin_holders().clear();
}

std::string describe_type(v8::Isolate* isolate, v8::Local<v8::Value> v) {
  if (v->IsObject()) {
    std::string ctor = to_utf8(isolate, v.As<v8::Object>()->GetConstructorName());
    return ctor.empty() ? "object" : ctor;
  }
  return to_utf8(isolate, v->TypeOf(isolate));
}

}  // namespace promethean::js
