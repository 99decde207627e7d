// JS values ↔ messages, with zero-copy buffers in both directions.
#include "js_conversion.hpp"

#include "js_engine.hpp"
#include "js_errors.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <unordered_set>

namespace promethean::js {
namespace {
constexpr int k_max_depth = 256;
constexpr double k_max_safe_integer = 9007199254740991.0;  // 2^53 - 1
/// v8::Array::New takes an int length.
constexpr std::size_t k_max_array_length = static_cast<std::size_t>(INT32_MAX);

[[noreturn]] void type_error(const std::string& message) { throw js_error("TypeError", message); }

/// A V8 operation that input made fail (an empty Maybe): a clear error, never a fatal
/// ToLocalChecked. It fails when JS is being terminated (a timeout) or V8 ran out of room.
[[noreturn]] void v8_failed(v8::Isolate* isolate, const std::string& doing) {
  if (isolate->IsExecutionTerminating()) throw js_error("Terminated", "JS execution was terminated while " + doing);
  throw js_error("RangeError", "JS could not hold the value: " + doing + " failed");
}

/// What a value is, for error messages: "Map", "class Point", "symbol".
std::string describe_type(v8::Isolate* isolate, v8::Local<v8::Value> v) {
  if (v->IsObject()) {
    std::string ctor = to_utf8(isolate, v.As<v8::Object>()->GetConstructorName());
    return ctor.empty() ? "object" : ctor;
  }
  return to_utf8(isolate, v->TypeOf(isolate));
}

v8::Local<v8::Private> function_id_key(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, v8_string(isolate, "promethean.foreign_function"));
}

/// A JS function standing for a function of another runtime. Lives until V8 collects the JS
/// function (a weak callback) or the engine stops, whichever comes first.
struct foreign_function {
  function_ref ref;
  v8::Global<v8::Function> self;
};
std::set<foreign_function*>& foreign_functions() {
  static std::set<foreign_function*> all;  // touched under the isolate lock only
  return all;
}

dtype dtype_of_view(v8::Local<v8::Value> v) {
  if (v->IsInt8Array()) return dtype::int8;
  if (v->IsInt16Array()) return dtype::int16;
  if (v->IsUint16Array()) return dtype::uint16;
  if (v->IsInt32Array()) return dtype::int32;
  if (v->IsUint32Array()) return dtype::uint32;
  if (v->IsBigInt64Array()) return dtype::int64;
  if (v->IsBigUint64Array()) return dtype::uint64;
  if (v->IsFloat32Array()) return dtype::float32;
  if (v->IsFloat64Array()) return dtype::float64;
  return dtype::uint8;  // Uint8Array, Uint8ClampedArray, Node's Buffer, DataView
}

void convert(v8::Isolate* isolate, v8::Local<v8::Value> v, nlohmann::json& out, std::vector<buffer>& buffers,
             std::vector<function_ref>& functions, int depth);

void convert_object(v8::Isolate* isolate, v8::Local<v8::Object> o, nlohmann::json& out, std::vector<buffer>& buffers,
                    std::vector<function_ref>& functions, int depth);

v8::Local<v8::Value> from_json(v8::Isolate* isolate, const nlohmann::json& j, message::cursor& at, int depth);

void convert_function(v8::Isolate* isolate, v8::Local<v8::Function> fn, nlohmann::json& out,
                      std::vector<function_ref>& functions) {
  auto ctx = isolate->GetCurrentContext();
  v8::Local<v8::Value> wrapped;
  if (fn->GetPrivate(ctx, function_id_key(isolate)).ToLocal(&wrapped) && wrapped->IsExternal()) {
    // A foreign function going back out: its own handle, not a wrapper of a wrapper.
    auto* holder = static_cast<foreign_function*>(wrapped.As<v8::External>()->Value());
    out = holder->ref->to_json();
    functions.push_back(holder->ref);
    return;
  }
  std::string name = to_utf8(isolate, fn->GetName());
  auto id = std::make_shared<std::string>();
  auto f = function_handle::create("js", name.empty() ? "anonymous" : name, [id] {
    auto& g = engine::get();
    if (!g.alive) return;
    g.releases.push([id] {
      auto& e = engine::get();
      if (e.alive) e.callables.erase(*id);
    });
  });
  *id = f->id();
  engine::get().callables[*id].Reset(isolate, fn);
  out = f->to_json();
  functions.push_back(std::move(f));
}

void convert(v8::Isolate* isolate, v8::Local<v8::Value> v, nlohmann::json& out, std::vector<buffer>& buffers,
             std::vector<function_ref>& functions, int depth) {
  if (depth > k_max_depth) type_error("value nested deeper than " + std::to_string(k_max_depth) + " levels (a cycle?)");
  if (v->IsNullOrUndefined()) {
    out = nullptr;
  } else if (v->IsBoolean()) {
    out = v->IsTrue();
  } else if (v->IsNumber()) {
    const double d = v.As<v8::Number>()->Value();
    if (!std::isfinite(d)) {
      type_error("number " + to_utf8(isolate, v) + " has no JSON spelling; send non-finite values inside a buffer");
    }
    if (d == std::trunc(d) && std::fabs(d) <= k_max_safe_integer) {
      out = static_cast<std::int64_t>(d);
    } else {
      out = d;
    }
  } else if (v->IsBigInt()) {
    bool lossless = false;
    const std::int64_t i = v.As<v8::BigInt>()->Int64Value(&lossless);
    if (lossless) {
      out = i;
    } else {
      const std::uint64_t u = v.As<v8::BigInt>()->Uint64Value(&lossless);
      if (!lossless) {
        type_error("BigInt " + to_utf8(isolate, v) + " does not fit in 64 bits; JSON messages carry int64 or uint64 "
                   "(send it as a string)");
      }
      out = u;
    }
  } else if (v->IsString()) {
    out = to_utf8(isolate, v);
  } else if (v->IsArray()) {
    auto ctx = isolate->GetCurrentContext();  // here, not above: a scalar result makes no handle
    auto array = v.As<v8::Array>();
    out = nlohmann::json::array();
    const std::uint32_t n = array->Length();
    for (std::uint32_t i = 0; i < n; ++i) {
      v8::Local<v8::Value> item;
      if (!array->Get(ctx, i).ToLocal(&item)) type_error("reading element " + std::to_string(i) + " of an array threw");
      nlohmann::json converted;
      convert(isolate, item, converted, buffers, functions, depth + 1);
      out.push_back(std::move(converted));
    }
  } else if (auto b = adopt(isolate, v)) {
    out = buffer_to_json(*b);
    buffers.push_back(std::move(*b));
  } else if (v->IsFunction()) {
    convert_function(isolate, v.As<v8::Function>(), out, functions);
  } else if (v->IsObject()) {
    auto ctx = isolate->GetCurrentContext();
    auto o = v.As<v8::Object>();
    v8::Local<v8::Value> to_json;
    if (o->Get(ctx, v8_string(isolate, "toJSON")).ToLocal(&to_json) && to_json->IsFunction()) {
      v8::Local<v8::Value> replaced;
      if (!to_json.As<v8::Function>()->Call(ctx, o, 0, nullptr).ToLocal(&replaced)) {
        type_error("the toJSON method of a " + describe_type(isolate, v) + " threw");
      }
      convert(isolate, replaced, out, buffers, functions, depth + 1);
      return;
    }
    v8::Local<v8::Value> proto = o->GetPrototype();
    const bool plain = proto->IsNull() ||
                       (proto->IsObject() && proto.As<v8::Object>()->GetPrototype()->IsNull() &&
                        describe_type(isolate, v) == "Object");
    if (!plain) {
      type_error("cannot send a " + describe_type(isolate, v) + " across runtimes: expected null, a boolean, number, "
                 "BigInt, string, array, plain object, ArrayBuffer or TypedArray, or a function (give the class a "
                 "toJSON method to send it as JSON)");
    }
    convert_object(isolate, o, out, buffers, functions, depth);
  } else {
    type_error("cannot send a " + describe_type(isolate, v) + " across runtimes");
  }
}

/// A plain object's properties are converted in key order, the order the JSON object keeps them in
/// and receivers walk them in, so that buffers and functions are collected in walk order
/// (message.hpp). An object that is a handle (`{_type: "Buffer", buffer_id: …}`, made by hand or
/// by bufferInfo) names a live buffer or function, resolved here as message(json) resolves one.
void convert_object(v8::Isolate* isolate, v8::Local<v8::Object> o, nlohmann::json& out, std::vector<buffer>& buffers,
                    std::vector<function_ref>& functions, int depth) {
  auto ctx = isolate->GetCurrentContext();
  v8::Local<v8::Array> keys;
  if (!o->GetOwnPropertyNames(ctx, v8::ONLY_ENUMERABLE).ToLocal(&keys)) type_error("listing an object's keys threw");
  std::vector<std::pair<std::string, v8::Local<v8::Value>>> items;
  items.reserve(keys->Length());
  for (std::uint32_t i = 0; i < keys->Length(); ++i) {
    v8::Local<v8::Value> key;
    if (!keys->Get(ctx, i).ToLocal(&key)) v8_failed(isolate, "listing an object's keys");
    v8::Local<v8::Value> item;
    if (!o->Get(ctx, key).ToLocal(&item)) type_error("reading property " + to_utf8(isolate, key) + " threw");
    items.emplace_back(to_utf8(isolate, key), item);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t buffers_before = buffers.size();
  const std::size_t functions_before = functions.size();
  out = nlohmann::json::object();
  for (auto& [key, item] : items) convert(isolate, item, out[std::move(key)], buffers, functions, depth + 1);
  if (is_buffer_handle(out) || function_handle::is_handle(out)) {
    buffers.erase(buffers.begin() + static_cast<std::ptrdiff_t>(buffers_before), buffers.end());
    functions.erase(functions.begin() + static_cast<std::ptrdiff_t>(functions_before), functions.end());
    message::resolve_handle(out, buffers, functions);
  }
}

void foreign_call(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  auto* holder = static_cast<foreign_function*>(info.Data().As<v8::External>()->Value());
  try {
    message args = arguments_to_message(isolate, info, 0);
    message result;
    {
      v8::Unlocker unlocked(isolate);  // the callee may need JS itself, from another thread
      result = engine::get().owner->call(holder->ref->runtime(), holder->ref->id(), args);
    }
    info.GetReturnValue().Set(from_message(isolate, result));
  } catch (const error& e) {
    throw_into_js(isolate, e);
  }
}

v8::Local<v8::Value> foreign_function_value(v8::Isolate* isolate, const function_ref& f) {
  auto ctx = isolate->GetCurrentContext();
  v8::Local<v8::String> name = v8_string(isolate, f->name());
  auto holder = std::make_unique<foreign_function>(foreign_function{f, {}});
  v8::Local<v8::Function> fn;
  if (!v8::Function::New(ctx, foreign_call, v8::External::New(isolate, holder.get())).ToLocal(&fn) ||
      !fn->SetPrivate(ctx, function_id_key(isolate), v8::External::New(isolate, holder.get())).FromMaybe(false)) {
    v8_failed(isolate, "making a JS function for " + f->name());
  }
  fn->SetName(name);
  holder->self.Reset(isolate, fn);
  holder->self.SetWeak(
      holder.get(),
      [](const v8::WeakCallbackInfo<foreign_function>& data) {
        foreign_function* h = data.GetParameter();
        h->self.Reset();
        foreign_functions().erase(h);
        delete h;
      },
      v8::WeakCallbackType::kParameter);
  foreign_functions().insert(holder.release());
  return fn;
}

}  // namespace

/// What a TypedArray that crossed (either way) knows of its Buffer: the Buffer itself, held for as
/// long as V8 keeps the TypedArray, so that every later crossing is that very Buffer (same id, no
/// new ArrayBuffer, no ledger lookup). The Buffer holds the backing store, never the JS object, so
/// this makes no cycle: when V8 collects the TypedArray, the weak callback lets the Buffer go.
struct weak_view {
  std::uint64_t serial;
  buffer held;
  v8::Global<v8::Value> view;
  /// A copy of `held`'s JSON handle that promethean.call lends to one call's argument message at
  /// a time and takes back after it (lend_handle / give_back_handles): copying the handle (eight
  /// members, strings and arrays: sixteen allocations) and freeing it again was half the cost of
  /// a handoff. Null while lent, and before the first call.
  nlohmann::json spare;
};

namespace {
/// Every live weak_view (freed by its weak callback, or all at once when the engine stops). Touched
/// under the isolate lock only.
std::unordered_set<weak_view*>& all_weak_views() {
  static std::unordered_set<weak_view*> all;
  return all;
}

v8::Local<v8::Private> weak_view_key(v8::Isolate* isolate) {
  // Made once per isolate (there is one per process): every TypedArray argument looks its
  // weak_view up with it, and ForApi makes a string and searches V8's registry for it each time.
  static v8::Eternal<v8::Private> key;
  static v8::Isolate* key_isolate = nullptr;
  if (key_isolate != isolate) {
    key.Set(isolate, v8::Private::ForApi(isolate, v8_string(isolate, "promethean.weak_view")));
    key_isolate = isolate;
  }
  return key.Get(isolate);
}

/// The weak_view a TypedArray carries, or null. It is alive: only the TypedArray's own collection
/// (or the engine's end) frees it.
weak_view* carried_weak_view(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::Local<v8::Value> carried;
  if (!value.As<v8::Object>()->GetPrivate(isolate->GetCurrentContext(), weak_view_key(isolate)).ToLocal(&carried) ||
      !carried->IsExternal()) {
    return nullptr;
  }
  return static_cast<weak_view*>(carried.As<v8::External>()->Value());
}

weak_view* remember_view(v8::Isolate* isolate, const buffer& b, v8::Local<v8::Value> view) {
  auto& g = engine::get();
  auto owned = std::make_unique<weak_view>(weak_view{b.serial(), b, v8::Global<v8::Value>(isolate, view)});
  if (!view.As<v8::Object>()
           ->SetPrivate(isolate->GetCurrentContext(), weak_view_key(isolate), v8::External::New(isolate, owned.get()))
           .FromMaybe(false)) {
    v8_failed(isolate, "marking the TypedArray of buffer " + b.id());
  }
  weak_view* w = owned.release();
  all_weak_views().insert(w);
  // The latest TypedArray of a Buffer is the one handed out again (an older one keeps its own
  // weak_view until V8 collects it).
  g.views_by_buffer[b.serial()] = w;
  w->view.SetWeak(
      w,
      [](const v8::WeakCallbackInfo<weak_view>& data) {
        weak_view* dead = data.GetParameter();
        dead->view.Reset();
        auto& e = engine::get();
        if (auto it = e.views_by_buffer.find(dead->serial); it != e.views_by_buffer.end() && it->second == dead) {
          e.views_by_buffer.erase(it);
        }
        all_weak_views().erase(dead);
        // Dropping the Buffer may release Python memory (and run Python code): not inside V8's GC.
        e.releases.push([held = std::move(dead->held)] {});
        delete dead;
      },
      v8::WeakCallbackType::kParameter);
  return w;
}

v8::Local<v8::Value> integer(v8::Isolate* isolate, std::int64_t i) {
  if (static_cast<double>(i) > k_max_safe_integer || static_cast<double>(i) < -k_max_safe_integer) {
    return v8::BigInt::New(isolate, i);
  }
  if (i >= INT32_MIN && i <= INT32_MAX) return v8::Integer::New(isolate, static_cast<std::int32_t>(i));  // a Smi
  return v8::Number::New(isolate, static_cast<double>(i));
}
}  // namespace

message to_message(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  // The commonest result, a small integer, without the general walk (convert() gives the same).
  if (value->IsInt32()) return message(message::in_walk_order, nlohmann::json(std::int64_t{value.As<v8::Int32>()->Value()}));
  nlohmann::json out;
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  convert(isolate, value, out, buffers, functions, 0);
  return message(message::in_walk_order, std::move(out), std::move(buffers), std::move(functions));
}

v8::Local<v8::Value> from_message(v8::Isolate* isolate, const message& m) {
  message::cursor at(m);
  return from_message_value(isolate, m.value(), at);
}

v8::Local<v8::Value> from_message_value(v8::Isolate* isolate, const nlohmann::json& j, message::cursor& at) {
  return from_json(isolate, j, at, 0);
}

v8::Local<v8::Value> from_argument(v8::Isolate* isolate, const argument& a) {
  switch (a.type()) {
    case argument::kind::null: return v8::Null(isolate);
    case argument::kind::boolean: return v8::Boolean::New(isolate, a.as_bool());
    case argument::kind::integer: return integer(isolate, a.as_int());
    case argument::kind::number: return v8::Number::New(isolate, a.as_double());
    case argument::kind::string: return v8_string(isolate, a.as_string());
    case argument::kind::buffer: return to_typed_array(isolate, a.as_buffer());
  }
  return v8::Undefined(isolate);  // not reached: every kind is handled above
}

namespace {
v8::Local<v8::Value> from_json(v8::Isolate* isolate, const nlohmann::json& j, message::cursor& at, int depth) {
  // A message may come from JSON text of any depth (the C API, a plugin): the same bound as the
  // other direction, so that a deep value is an error, not a native stack overflow.
  if (depth > k_max_depth) type_error("value nested deeper than " + std::to_string(k_max_depth) + " levels");
  auto ctx = isolate->GetCurrentContext();
  switch (j.type()) {
    case nlohmann::json::value_t::null: return v8::Null(isolate);
    case nlohmann::json::value_t::boolean: return v8::Boolean::New(isolate, j.get<bool>());
    case nlohmann::json::value_t::number_integer: return integer(isolate, j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(k_max_safe_integer)) return v8::BigInt::NewFromUnsigned(isolate, u);
      return v8::Number::New(isolate, static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return v8::Number::New(isolate, j.get<double>());
    case nlohmann::json::value_t::string: return v8_string(isolate, j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      if (j.size() > k_max_array_length) {
        throw js_error("RangeError", "an array of " + std::to_string(j.size()) + " elements is too long for JS (at most " +
                                         std::to_string(k_max_array_length) + ")");
      }
      v8::Local<v8::Array> out = v8::Array::New(isolate, static_cast<int>(j.size()));
      std::uint32_t i = 0;
      for (const auto& v : j) {
        if (!out->CreateDataProperty(ctx, i, from_json(isolate, v, at, depth + 1)).FromMaybe(false)) {
          v8_failed(isolate, "setting element " + std::to_string(i) + " of an array");
        }
        ++i;
      }
      return out;
    }
    case nlohmann::json::value_t::object: {
      // Handles take the message's next buffer or function (walk order: message.hpp).
      if (is_buffer_handle(j)) return to_typed_array(isolate, at.next_buffer(j));
      if (function_handle::is_handle(j)) {
        const function_ref& f = at.next_function(j);
        if (f->runtime() == "js") {
          auto& g = engine::get();
          if (auto it = g.callables.find(f->id()); it != g.callables.end()) return it->second.Get(isolate);
        }
        return foreign_function_value(isolate, f);
      }
      // Keys are data, as JSON.parse makes them: CreateDataProperty defines an own property
      // (where Set would run the __proto__ setter and change the object's prototype).
      v8::Local<v8::Object> out = v8::Object::New(isolate);
      for (const auto& [key, value] : j.items()) {
        if (!out->CreateDataProperty(ctx, v8_string(isolate, key), from_json(isolate, value, at, depth + 1))
                 .FromMaybe(false)) {
          v8_failed(isolate, "setting property " + key + " of an object");
        }
      }
      return out;
    }
    default: throw message_error("cannot convert JSON value " + j.dump() + " to JS");
  }
}
}  // namespace

namespace {
/// adopt(), also saying which weak_view the Buffer is remembered by (for a TypedArray; else null).
std::optional<buffer> adopt_viewed(v8::Isolate* isolate, v8::Local<v8::Value> value, weak_view*& viewed) {
  viewed = nullptr;
  // A TypedArray that JS got for a Buffer, or that already crossed: that very Buffer (same id,
  // shape and type), when it still describes exactly the same memory. Looked at first, with the
  // data pointer alone: taking the backing store (a shared_ptr made, then dropped) is for a
  // TypedArray crossing for the first time.
  if (value->IsTypedArray()) {
    if (weak_view* w = carried_weak_view(isolate, value)) {
      auto view = value.As<v8::TypedArray>();
      v8::Local<v8::ArrayBuffer> ab = view->Buffer();
      if (!ab->WasDetached() && ab->Data() != nullptr) {
        const auto* data = static_cast<const std::byte*>(ab->Data()) + view->ByteOffset();
        const buffer& known = w->held;
        if (known.cdata() == data && known.nbytes() == view->ByteLength() && known.format() == dtype_of_view(value)) {
          viewed = w;
          return known;
        }
      }
    }
  }
  std::shared_ptr<v8::BackingStore> store;
  std::size_t offset = 0;
  std::size_t length = 0;
  dtype format = dtype::uint8;
  if (value->IsArrayBuffer()) {
    auto ab = value.As<v8::ArrayBuffer>();
    store = ab->GetBackingStore();
    length = ab->ByteLength();
  } else if (value->IsSharedArrayBuffer()) {
    auto sab = value.As<v8::SharedArrayBuffer>();
    store = sab->GetBackingStore();
    length = sab->ByteLength();
  } else if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    if (view->Buffer()->WasDetached()) type_error("cannot send a detached " + describe_type(isolate, value));
    store = view->Buffer()->GetBackingStore();
    offset = view->ByteOffset();
    length = view->ByteLength();
    format = dtype_of_view(value);
  } else {
    return std::nullopt;
  }
  const std::size_t itemsize = dtype_size(format);
  if (length == 0 || store->Data() == nullptr) return buffer::allocate(format, {0}, {.language = "js"});
  adopt_options options;
  options.language = "js";
  auto* data = static_cast<std::byte*>(store->Data()) + offset;
  // The Buffer holds the backing store; dropping it is legal from any thread, and V8 keeps the
  // allocator alive for as long as any store of it lives.
  buffer adopted = buffer::adopt(data, length, [store = std::move(store)]() mutable { store.reset(); }, format,
                                 {length / itemsize}, options);
  // Crossing back, this Buffer is this very TypedArray again.
  if (value->IsTypedArray()) viewed = remember_view(isolate, adopted, value);
  return adopted;
}
}  // namespace

std::optional<buffer> adopt(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  weak_view* viewed = nullptr;
  return adopt_viewed(isolate, value, viewed);
}

message arguments_to_message(v8::Isolate* isolate, const v8::FunctionCallbackInfo<v8::Value>& info, int first,
                             std::vector<lent_handle>* lent) {
  nlohmann::json out = nlohmann::json::array();
  auto& values = out.get_ref<nlohmann::json::array_t&>();
  values.reserve(static_cast<std::size_t>(std::max(0, info.Length() - first)));
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  for (int i = first; i < info.Length(); ++i) {
    nlohmann::json v;
    weak_view* viewed = nullptr;
    std::optional<buffer> b;
    // A TypedArray argument: its handle, lent by its weak_view when it has one to lend (the same
    // JSON a copy from buffer_to_json would be: the weak_view's Buffer never changes).
    if (lent != nullptr && info[i]->IsTypedArray() && (b = adopt_viewed(isolate, info[i], viewed))) {
      if (viewed != nullptr && !viewed->spare.is_null()) {
        v = std::move(viewed->spare);  // leaves the spare null while it is lent
      } else {
        v = buffer_to_json(*b);
      }
      if (viewed != nullptr) lent->push_back(lent_handle{values.size(), viewed});
      buffers.push_back(std::move(*b));
    } else {
      convert(isolate, info[i], v, buffers, functions, 1);
    }
    values.push_back(std::move(v));
  }
  return message(message::in_walk_order, std::move(out), std::move(buffers), std::move(functions));
}

void give_back_handles(message& args, std::vector<lent_handle>& lent) noexcept {
  if (lent.empty()) return;
  // The message is the caller's own, made by arguments_to_message for this one call and dropped right
  // after: its value is not shared (a copy of a message copies its JSON), and it is not read again.
  // Moving elements out of it is moving out of a non-const object the caller owns.
  auto& values = const_cast<nlohmann::json&>(args.value());
  for (const lent_handle& l : lent) {
    if (l.from->spare.is_null() && l.index < values.size() && values[l.index].is_object()) {
      l.from->spare = std::move(values[l.index]);
    }
  }
  lent.clear();
}

v8::Local<v8::Value> to_typed_array(v8::Isolate* isolate, const buffer& b) {
  if (b.readonly()) {
    throw buffer_error("read-only buffer " + b.id() + " cannot reach JS: JS has no read-only TypedArrays (make a "
                       "writable copy in the runtime that owns it)");
  }
  if (!b.is_c_contiguous()) {
    throw buffer_error("strided buffer " + b.id() + " cannot reach JS: a TypedArray is contiguous (make a contiguous "
                       "copy in the runtime that owns it)");
  }
  if (b.size() > v8::TypedArray::kMaxLength) {
    // TypedArray::New would abort the process (an API check), not fail.
    throw js_error("RangeError", "buffer " + b.id() + " has " + std::to_string(b.size()) +
                                     " elements, too many for a JS TypedArray (at most v8::TypedArray::kMaxLength = " +
                                     std::to_string(v8::TypedArray::kMaxLength) + ")");
  }
  auto& g = engine::get();
  if (auto it = g.views_by_buffer.find(b.serial()); it != g.views_by_buffer.end() && !it->second->view.IsEmpty()) {
    return it->second->view.Get(isolate);
  }
  std::shared_ptr<v8::BackingStore> store;
  if (auto it = g.stores_by_buffer.find(b.serial()); it != g.stores_by_buffer.end()) store = it->second.lock();
  if (!store && b.nbytes() > 0) {
    auto* ref = new export_ref(b, "js");
    std::unique_ptr<v8::BackingStore> made = v8::ArrayBuffer::NewBackingStore(
        const_cast<std::byte*>(b.cdata()), b.nbytes(),
        [](void*, std::size_t, void* deleter_data) {
          // May run on a GC worker thread: only queue the release, for the next time JS is entered
          // (or the engine stops).
          auto* r = static_cast<export_ref*>(deleter_data);
          engine::get().releases.push([r] {
            auto& e = engine::get();
            if (auto it = e.stores_by_buffer.find(r->get().serial()); it != e.stores_by_buffer.end() &&
                                                                      it->second.expired()) {
              e.stores_by_buffer.erase(it);
            }
            delete r;
          });
        },
        ref);
    store = std::move(made);
    g.stores_by_buffer[b.serial()] = store;
  }
  v8::Local<v8::ArrayBuffer> ab = store ? v8::ArrayBuffer::New(isolate, store) : v8::ArrayBuffer::New(isolate, 0);
  const std::size_t n = b.size();
  v8::Local<v8::Value> view;
  switch (b.format()) {
    case dtype::int8: view = v8::Int8Array::New(ab, 0, n); break;
    case dtype::uint8: view = v8::Uint8Array::New(ab, 0, n); break;
    case dtype::int16: view = v8::Int16Array::New(ab, 0, n); break;
    case dtype::uint16: view = v8::Uint16Array::New(ab, 0, n); break;
    case dtype::int32: view = v8::Int32Array::New(ab, 0, n); break;
    case dtype::uint32: view = v8::Uint32Array::New(ab, 0, n); break;
    case dtype::int64: view = v8::BigInt64Array::New(ab, 0, n); break;
    case dtype::uint64: view = v8::BigUint64Array::New(ab, 0, n); break;
    case dtype::float32: view = v8::Float32Array::New(ab, 0, n); break;
    case dtype::float64: view = v8::Float64Array::New(ab, 0, n); break;
  }
  if (view.IsEmpty()) throw buffer_error("buffer " + b.id() + " has an unknown dtype");
  remember_view(isolate, b, view);
  return view;
}

void free_weak_views() {
  for (weak_view* w : all_weak_views()) {
    w->view.Reset();
    delete w;
  }
  all_weak_views().clear();
  engine::get().views_by_buffer.clear();
}

void free_foreign_functions() {
  for (foreign_function* h : foreign_functions()) {
    h->self.Reset();
    delete h;
  }
  foreign_functions().clear();
}

}  // namespace promethean::js
