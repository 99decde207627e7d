// Node's callback contract for calls from outside JS, paid only for what a call left to do (see
// js_host_call.hpp).
#include "js_host_call.hpp"

#include "js_lock_lending.hpp"

#include "js_engine.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstdint>
#include <cstring>

namespace promethean::js {
namespace {

// Node 18's TickInfo fields (src/env.h) and the async-hook stack's length index, which
// bootstrap.js reads from Node itself (async_wrap.constants.kStackLength).
constexpr int k_has_tick_scheduled = 0;
constexpr int k_has_rejection_to_warn = 1;

/// The data of a typed array the engine keeps alive (Node's own aliased buffers).
template <class T>
const T* data_of(v8::Local<v8::Value> v) {
  auto array = v.As<v8::TypedArray>();
  return reinterpret_cast<const T*>(static_cast<const char*>(array->Buffer()->Data()) + array->ByteOffset());
}

/// Node's flags were not found (another Node): every call gets Node's own scope.
bool node_scope_per_call(const engine& g) { return g.tick_info == nullptr || g.microtasks == nullptr; }

bool anything_pending(const engine& g) {
  return g.tick_info[k_has_tick_scheduled] != 0 || g.tick_info[k_has_rejection_to_warn] != 0;
}

/// V8 exports, for its builtins, where its microtask queue keeps its length. Found in the loaded
/// libnode (or the process, when Node is linked in); null when this V8 does not export it.
const std::size_t* exported_queue_size_offset() {
  static constexpr const char* k_symbol = "_ZN2v88internal14MicrotaskQueue11kSizeOffsetE";
  if (void* found = dlsym(RTLD_DEFAULT, k_symbol)) return static_cast<const std::size_t*>(found);
  // libpromethean loaded with RTLD_LOCAL (ctypes, say): libnode is not in the global scope.
  void* found = nullptr;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "libnode") == nullptr) return 0;
        void* library = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (library == nullptr) return 0;
        *static_cast<void**>(out) = dlsym(library, k_symbol);
        dlclose(library);  // only drops the reference RTLD_NOLOAD took
        return *static_cast<void**>(out) != nullptr ? 1 : 0;
      },
      &found);
  return static_cast<const std::size_t*>(found);
}

/// The length field of `queue`, once a test shows that it counts: it reads 0, then 1 after a task
/// is queued through the public API, then 0 after a checkpoint ran it. Null otherwise (and every
/// call then runs its checkpoint).
const std::intptr_t* find_queue_length(v8::Isolate* isolate, v8::MicrotaskQueue* queue) {
  const std::size_t* offset = exported_queue_size_offset();
  if (offset == nullptr || *offset == 0 || *offset > 512 || *offset % alignof(std::intptr_t) != 0) return nullptr;
  const auto* length = reinterpret_cast<const std::intptr_t*>(reinterpret_cast<const char*>(queue) + *offset);
  if (*length != 0) return nullptr;  // not a length, or Node left work queued: run nothing here
  queue->EnqueueMicrotask(isolate, [](void*) {}, nullptr);
  const bool counted = *length == 1;
  queue->PerformCheckpoint(isolate);  // runs the no-op task (and nothing else: the queue was empty)
  return counted && *length == 0 ? length : nullptr;
}

}  // namespace

void find_node_queue_state(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Value> queue_state) {
  auto& g = engine::get();
  if (!queue_state->IsObject()) return;
  auto state = queue_state.As<v8::Object>();
  v8::Local<v8::Value> tick_info;
  v8::Local<v8::Value> hook_fields;
  v8::Local<v8::Value> stack_length;
  v8::TryCatch ignored(isolate);
  if (!state->Get(ctx, v8_string(isolate, "tickInfo")).ToLocal(&tick_info) || !tick_info->IsUint8Array() ||
      !state->Get(ctx, v8_string(isolate, "asyncHookFields")).ToLocal(&hook_fields) || !hook_fields->IsUint32Array() ||
      !state->Get(ctx, v8_string(isolate, "stackLength")).ToLocal(&stack_length) || !stack_length->IsUint32()) {
    return;
  }
  const std::uint32_t index = stack_length.As<v8::Uint32>()->Value();
  if (tick_info.As<v8::Uint8Array>()->Length() < 2 || index >= hook_fields.As<v8::Uint32Array>()->Length()) return;
  g.microtasks = ctx->GetMicrotaskQueue();
  g.queued_microtasks = find_queue_length(isolate, g.microtasks);
  g.queue_state.Reset(isolate, state);  // keeps both arrays, and so their memory, alive
  g.tick_info = data_of<std::uint8_t>(tick_info);
  g.async_stack_length = data_of<std::uint32_t>(hook_fields) + index;
}

const char* host_call_mode() {
  const auto& g = engine::get();
  if (node_scope_per_call(g)) return "node::CallbackScope";
  return g.queued_microtasks != nullptr ? "queues read" : "flags read";
}

void host_call_scope::open_other_ways(engine& g) {
  if (on_lending_thread()) {
    // A hosted node's main thread enters JS from outside only inside JS of its own (JS called
    // Python, which calls back): within Node's callback scope of that JS, so this call is nested,
    // and Node's scope would do nothing after it.
    ++g.open_host_calls;
    return;
  }
  // Node's flags were not found (node_scope_per_call): Node's own scope.
  m_node_scope.emplace(g.env, callback_resource(m_isolate), node::async_context{0, 0});
}

host_call_scope::~host_call_scope() {
  if (m_node_scope) return;  // Node's scope closes itself
  auto& g = engine::get();
  --g.open_host_calls;
  // A terminated call (a timeout, Ctrl-C) runs nothing more; the queues run at the next call.
  if (!m_outermost || m_isolate->IsExecutionTerminating() || !g.alive.load(std::memory_order_relaxed)) return;
  if (!anything_pending(g) && (g.queued_microtasks == nullptr || *g.queued_microtasks != 0)) {
    // What Node's closing scope does when no tick is scheduled (with nothing queued, the
    // checkpoint would run nothing; ClearKeptObjects below is the rest of what it does).
    g.microtasks->PerformCheckpoint(m_isolate);
  }
  if (anything_pending(g) && !m_isolate->IsExecutionTerminating()) {
    // A tick or a rejection report (perhaps left by a microtask): Node's own tick processing,
    // which the close of an outermost node::CallbackScope runs.
    node::CallbackScope run_ticks(g.env, callback_resource(m_isolate), node::async_context{0, 0});
  }
  m_isolate->ClearKeptObjects();
}

}  // namespace promethean::js
