// JS memory ↔ Buffers without a copy (js_typed_array.hpp).
#include "js_typed_array.hpp"

#include "js_conversion.hpp"
#include "js_engine.hpp"
#include "js_errors.hpp"

#include <promethean/error.hpp>

#include <algorithm>
#include <memory>
#include <unordered_set>
#include <vector>

namespace promethean::js {
namespace {
/// The dtype of a TypedArray (uint8 for the byte views: Uint8Array, Uint8ClampedArray, Buffer, DataView).
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

/// Every live weak_view (freed by its weak callback, or all at once when the engine stops). Touched
/// under the isolate lock only.
std::unordered_set<weak_view*>& all_weak_views() {
  static std::unordered_set<weak_view*> all;
  return all;
}

/// In the Node-hosted mode, the ArrayBuffers made over other runtimes' memory, held weakly (empty
/// once V8 collects them): node never disposes its isolate, so at the end of its program the ones
/// still alive are detached (detach_lent_memory), which gives the memory back to its owner. Pruned
/// of the collected ones whenever it doubles. Under the isolate lock only.
struct lent_array_buffers {
  std::vector<v8::Global<v8::ArrayBuffer>> live;
  std::size_t prune_at = 64;
};
lent_array_buffers& lent() {
  static auto* l = new lent_array_buffers();  // never destroyed: Globals must not outlive V8 at exit
  return *l;
}

void remember_lent(v8::Isolate* isolate, v8::Local<v8::ArrayBuffer> ab) {
  auto& l = lent();
  if (l.live.size() >= l.prune_at) {
    std::erase_if(l.live, [](const v8::Global<v8::ArrayBuffer>& g) { return g.IsEmpty(); });
    l.prune_at = std::max<std::size_t>(64, 2 * l.live.size());
  }
  l.live.emplace_back(isolate, ab);
  l.live.back().SetWeak();
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

/// Why big views are kept: a new ArrayBuffer counts its whole size as new external memory, and
/// past V8's external limit (64 MiB over the last GC's figure) each one starts a collection. A big
/// buffer handed to JS in a loop (an image per frame, a 1 GiB array to a JS function) would so make
/// a new ArrayBuffer, and pay a GC, on every call once JS dropped the last one: 1 GiB host → js
/// took 4.5 µs instead of ~1.5 µs. The latest k_kept_big_views views of buffers of k_big_view_bytes
/// or more are therefore held strongly, so that the weak cache above finds them; their memory is
/// released at most that many big handoffs later than JS's collector alone would release it.
constexpr std::size_t k_big_view_bytes = std::size_t{16} << 20;
constexpr std::size_t k_kept_big_views = 2;

void keep_recent(engine& g, v8::Isolate* isolate, v8::Local<v8::Value> view) {
  g.recent_big_views.emplace_back(isolate, view);
  while (g.recent_big_views.size() > k_kept_big_views) g.recent_big_views.pop_front();  // Global's dtor resets
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
}  // namespace

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
std::optional<buffer> adopt(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  weak_view* viewed = nullptr;
  return adopt_viewed(isolate, value, viewed);
}

v8::Local<v8::Value> to_typed_array(v8::Isolate* isolate, const buffer& b) {
  if (b.readonly()) {
    throw buffer_error("read-only buffer " + b.id() + " cannot reach JS: JS has no read-only TypedArrays (send a "
                       "copy: promethean.copy(x) in Python, or a writable copy made in the runtime that owns it)");
  }
  if (!b.is_c_contiguous()) {
    throw buffer_error("strided buffer " + b.id() + " cannot reach JS: a TypedArray is contiguous (send a copy: "
                       "promethean.copy(x) in Python, or a contiguous copy made in the runtime that owns it)");
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
    static view_count& js_views = ledger::instance().views_of("js");
    auto* ref = new export_ref(b, js_views);
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
  if (store && g.adopted) remember_lent(isolate, ab);
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
  if (b.nbytes() >= k_big_view_bytes) keep_recent(g, isolate, view);
  return view;
}

void detach_lent_memory(v8::Isolate* isolate) {
  v8::HandleScope handles(isolate);
  engine::get().recent_big_views.clear();  // nothing of ours keeps a view from here on
  for (auto& held : lent().live) {
    if (held.IsEmpty()) continue;
    v8::Local<v8::ArrayBuffer> ab = held.Get(isolate);
    if (ab->IsDetachable() && !ab->WasDetached()) ab->Detach();  // its TypedArrays read as empty from now on
  }
  lent().live.clear();
}

void free_weak_views() {
  for (weak_view* w : all_weak_views()) {
    w->view.Reset();
    delete w;
  }
  all_weak_views().clear();
  engine::get().views_by_buffer.clear();
}

}  // namespace promethean::js
