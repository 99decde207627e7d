// JS values ↔ messages, with zero-copy buffers in both directions.
#include "js_conversion.hpp"

#include "js_engine.hpp"
#include "js_errors.hpp"
#include "js_typed_array.hpp"
#include "js_async_call.hpp"

#include <promethean/article.hpp>
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/keyword_arguments.hpp>
#include <promethean/host/pending_handle.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>

namespace promethean::js {
namespace {
constexpr int k_max_depth = 256;
constexpr double k_max_safe_integer = 9007199254740991.0;  // 2^53 - 1
/// Whether a (finite) JS number crosses as an integer: a whole number JS holds exactly. Both the
/// JSON path and typed arguments decide it here, so that both give the receiver the same value.
bool crosses_as_integer(double d) noexcept { return d == std::trunc(d) && std::fabs(d) <= k_max_safe_integer; }
/// v8::Array::New takes an int length.
constexpr std::size_t k_max_array_length = static_cast<std::size_t>(INT32_MAX);

v8::Local<v8::Private> function_id_key(v8::Isolate* isolate) {
  return v8::Private::ForApi(isolate, v8_string(isolate, "promethean.foreign_function"));
}

/// Asked of every object converted: made once per engine (ForApi makes a string and looks it up in
/// a registry, a tenth of a small object's conversion).
v8::Local<v8::Private> keyword_arguments_key(v8::Isolate* isolate) {
  auto& key = engine::get().keyword_arguments_key;
  if (key.IsEmpty()) key.Reset(isolate, v8::Private::ForApi(isolate, v8_string(isolate, "promethean.keyword_arguments")));
  return key.Get(isolate);
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
    if (crosses_as_integer(d)) {
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
    if (o->HasPrivate(ctx, keyword_arguments_key(isolate)).FromMaybe(false)) {  // promethean.kw(...)
      out = keyword_arguments::marker(nlohmann::json::object());
      convert_object(isolate, o, out["values"], buffers, functions, depth + 1);
      return;
    }
    v8::Local<v8::Value> to_json;
    if (o->Get(ctx, v8_string(isolate, "toJSON")).ToLocal(&to_json) && to_json->IsFunction()) {
      v8::Local<v8::Value> replaced;
      if (!to_json.As<v8::Function>()->Call(ctx, o, 0, nullptr).ToLocal(&replaced)) {
        type_error("the toJSON method of " + with_article(describe_type(isolate, v)) + " threw");
      }
      convert(isolate, replaced, out, buffers, functions, depth + 1);
      return;
    }
    v8::Local<v8::Value> proto = o->GetPrototype();
    const bool plain = proto->IsNull() ||
                       (proto->IsObject() && proto.As<v8::Object>()->GetPrototype()->IsNull() &&
                        describe_type(isolate, v) == "Object");
    if (!plain) {
      type_error("cannot send " + with_article(describe_type(isolate, v)) + " across runtimes: expected null, a boolean, number, "
                 "BigInt, string, array, plain object, ArrayBuffer or TypedArray, or a function (give the class a "
                 "toJSON method to send it as JSON)");
    }
    convert_object(isolate, o, out, buffers, functions, depth);
  } else {
    type_error("cannot send " + with_article(describe_type(isolate, v)) + " across runtimes");
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
      lock_given_up unlocked(isolate);  // the callee may need JS itself, from another thread
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

namespace {
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
      if (pending_handle::is_handle(j)) return promise_for(isolate, ctx, pending_handle::take(j));
      // Keyword arguments reach a JS function as a last plain object (the options-object idiom).
      if (keyword_arguments::is_marker(j)) return from_json(isolate, j.at("values"), at, depth + 1);
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

bool typed_arguments(v8::Isolate* isolate, const v8::FunctionCallbackInfo<v8::Value>& info, int first,
                     std::span<argument> out, std::span<std::string> text, std::span<buffer> buffers) {
  const int n = info.Length() - first;
  if (n < 0 || static_cast<std::size_t>(n) > out.size() || out.size() > text.size() || out.size() > buffers.size()) {
    return false;
  }
  for (int i = 0; i < n; ++i) {
    const v8::Local<v8::Value> v = info[first + i];
    argument& a = out[static_cast<std::size_t>(i)];
    if (v->IsNullOrUndefined()) {
      a = nullptr;
    } else if (v->IsBoolean()) {
      a = v->IsTrue();
    } else if (v->IsNumber()) {
      const double d = v.As<v8::Number>()->Value();
      if (!std::isfinite(d)) return false;
      if (crosses_as_integer(d)) {
        a = static_cast<std::int64_t>(d);
      } else {
        a = d;
      }
    } else if (v->IsString()) {
      std::string& utf8 = text[static_cast<std::size_t>(i)];
      utf8 = to_utf8(isolate, v);
      a = std::string_view(utf8);
    } else if (v->IsTypedArray()) {
      weak_view* viewed = nullptr;
      std::optional<buffer> b = adopt_viewed(isolate, v, viewed);
      if (!b) return false;
      buffer& held = buffers[static_cast<std::size_t>(i)];
      held = std::move(*b);
      a = held;
    } else {
      return false;
    }
  }
  return true;
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
      if (i + 1 < info.Length() && keyword_arguments::is_marker(v)) {
        type_error("promethean.kw(...) must be the last argument (it is argument " + std::to_string(i - first + 1) +
                   " of " + std::to_string(info.Length() - first) + ")");
      }
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

v8::Local<v8::Object> keyword_arguments(v8::Isolate* isolate, v8::Local<v8::Object> values) {
  auto ctx = isolate->GetCurrentContext();
  v8::Local<v8::Object> out = v8::Object::New(isolate, v8::Null(isolate), nullptr, nullptr, 0);
  v8::Local<v8::Array> keys;
  if (!values->GetOwnPropertyNames(ctx, v8::ONLY_ENUMERABLE).ToLocal(&keys)) type_error("listing an object's keys threw");
  for (std::uint32_t i = 0; i < keys->Length(); ++i) {
    v8::Local<v8::Value> key;
    v8::Local<v8::Value> item;
    if (!keys->Get(ctx, i).ToLocal(&key) || !values->Get(ctx, key).ToLocal(&item)) {
      type_error("reading the keyword arguments' properties threw");
    }
    if (!out->CreateDataProperty(ctx, key.As<v8::Name>(), item).FromMaybe(false)) {
      v8_failed(isolate, "copying the keyword arguments");
    }
  }
  if (!out->SetPrivate(ctx, keyword_arguments_key(isolate), v8::True(isolate)).FromMaybe(false) ||
      !out->SetIntegrityLevel(ctx, v8::IntegrityLevel::kFrozen).FromMaybe(false)) {
    v8_failed(isolate, "marking the keyword arguments");
  }
  return out;
}

void free_foreign_functions() {
  for (foreign_function* h : foreign_functions()) {
    h->self.Reset();
    delete h;
  }
  foreign_functions().clear();
}

}  // namespace promethean::js
