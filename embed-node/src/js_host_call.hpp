// Private: what Node does around a callback, for a call into JS from outside it (the host, another
// runtime), at the cost of what the call actually left to do.
//
// Node runs every native → JS callback inside a node::CallbackScope: it pushes an async context,
// and when the outermost scope closes it runs the microtasks, the process.nextTick queue and the
// unhandled-rejection reports. That scope costs ~110 ns (a heap-allocated InternalCallbackScope,
// a verbose TryCatch, the async-hook stack, WeakRef clean-up) on a call that itself costs ~200 ns
// with its lock. Most calls schedule no tick and reject nothing, and then a microtask checkpoint
// is all the closing scope does. So host_call_scope reads Node's own flags (its tickInfo: is a
// tick scheduled, is a rejection waiting to be reported; the async-hook stack's length: is a Node
// callback open) and:
//  - nested (a Node callback or another host call is open, on any thread): does nothing, as the
//    nested node::CallbackScope would do nothing after the call;
//  - outermost: after the call runs the microtask checkpoint, unless V8's queue is empty (its
//    length is read where V8 exports the field's offset for its builtins, and tested at start;
//    an empty checkpoint runs nothing); if a tick or a rejection is then pending, opens and
//    closes an empty node::CallbackScope, whose close runs Node's own tick processing; then lets
//    WeakRef targets go, as Node's checkpoint does at the end of a callback.
// Where the flags are not found (bootstrap.js's queueState() is null: another Node), every call
// gets a node::CallbackScope; where the queue's length is not, every call runs the checkpoint.
// Two differences remain: inside the call, executionAsyncId() is the enclosing context's instead
// of a fresh {0, 0} context's (at the top level both are 0); and where the empty checkpoint is
// skipped, V8's "microtasks completed" callbacks, which V8 fires even after an empty one, do not
// fire (Node registers none).
#pragma once

#include "js_engine.hpp"
#include "js_lock_lending.hpp"

#include <node.h>
#include <v8.h>

#include <optional>

namespace promethean::js {

/// Reads Node's pending-work flags from bootstrap.js's queueState (see above); called once, by the
/// engine's start, inside an `entered` scope. Without them, host_call_scope uses Node's scope.
void find_node_queue_state(v8::Isolate* isolate, v8::Local<v8::Context> ctx, v8::Local<v8::Value> queue_state);

/// How calls from outside JS keep Node's contract here, for the dispatch map: "queues read" (Node's
/// flags and V8's microtask count are read: a call pays only for what it left), "flags read" (a
/// microtask checkpoint after every call), or "node::CallbackScope" (Node's scope on every call).
const char* host_call_mode();

/// Around one call into JS from outside it, inside an `entered` scope. Declare it before the
/// call's v8::TryCatch, so that the after-call work runs outside that TryCatch (as in Node, a
/// microtask that throws is an uncaught exception, not this call's error).
class host_call_scope {
 public:
  /// Inline: on every call from outside JS. Node's flags known and not Node's own thread: counts
  /// the call, and whether it is the outermost; else open_other_ways().
  explicit host_call_scope(v8::Isolate* isolate) : m_isolate(isolate) {
    auto& g = engine::get();
    if (g.tick_info == nullptr || g.microtasks == nullptr || on_lending_thread()) {
      open_other_ways(g);
      return;
    }
    m_outermost = g.open_host_calls == 0 && *g.async_stack_length == 0;
    ++g.open_host_calls;
  }
  ~host_call_scope();
  host_call_scope(const host_call_scope&) = delete;
  host_call_scope& operator=(const host_call_scope&) = delete;

 private:
  void open_other_ways(engine& g);
  v8::Isolate* m_isolate;
  bool m_outermost = false;
  std::optional<node::CallbackScope> m_node_scope;  ///< when Node's flags are unknown
};

}  // namespace promethean::js
