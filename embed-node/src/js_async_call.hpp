// Private: async calls across the js boundary, both ways, without blocking a thread or a loop.
//
// JS as the producer (host.call_async("js", …)): the function is called on the calling thread,
// as a blocking call's is; a Promise it returns gets two handlers that settle the pending_call
// when it settles, on whatever thread runs the event loop then (the loop thread, Node's main
// thread in the hosted mode). A plain result or a settled Promise settles it at once.
//
// JS as the consumer (promethean.callAsync, a pending result crossing into JS): a Promise whose
// resolver waits in a table of this thread-free side; the pending call's continuation, on any
// thread, queues the outcome and wakes the event loop (an async handle), whose callback settles
// the Promise under the isolate lock, inside a callback scope (microtasks run after it). While
// such a Promise waits, the handle is referenced, so the loop (and a hosted node) stays alive for
// it, as for a timer.
//
// V8 handles are only touched under the isolate lock: the tables hold them, keyed by a number,
// and only the number crosses threads.
#pragma once

#include <promethean/host/pending_call.hpp>
#include <promethean/host/runtime.hpp>

#include <uv.h>
#include <v8.h>

#include <memory>
#include <string_view>

namespace promethean::js {

/// Starts a call of `function` (resolved as js_call.hpp's resolve) with `args`; see above.
/// options.cancel_signal: an AbortSignal is passed as the last argument, aborted when the caller
/// cancels or the wait times out. Errors of the start (no such function, a throw) are thrown.
std::shared_ptr<pending_call> start_async_call(std::string_view function, const message& args,
                                               const call_options& options);
/// Evaluates `code`; a Promise it evaluates to settles the pending call later. The value is null
/// when it cannot cross, as a blocking eval's (js_call.hpp's settle_completion).
std::shared_ptr<pending_call> start_async_eval(std::string_view code);

/// A Promise that settles with `call`'s outcome (a message as JS values, an error as a thrown
/// promethean.ForeignError would be). Inside an `entered` scope.
v8::Local<v8::Promise> promise_for(v8::Isolate* isolate, v8::Local<v8::Context> ctx, std::shared_ptr<pending_call> call);

/// With the lock, on the loop's thread, when the engine starts or adopts a Node: the async handle.
void start_async_links(uv_loop_t* loop);
/// With the lock, when the engine stops: Promises still waiting are dropped (never settled: JS is
/// over), and pending calls JS was to settle fail with a "Shutdown" error.
void stop_async_links();

}  // namespace promethean::js
