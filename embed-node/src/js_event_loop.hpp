// Private: the Node event loop as the host drives it: run to completion (a script), pumped (ready
// work only), or run until a Promise settles, with the isolate lock given up while the loop waits;
// while no thread does any of these, the loop thread runs it in the background (js_loop_thread.hpp).
//
// Whose loop it is is said in one place, event_loop(): today the loop of the environment the
// engine created (js_engine.hpp). The Node-hosted mode (`require('promethean')` in a plain node)
// will adopt the running node's loop there, and drive it from that node's own main loop.
#pragma once

#include <uv.h>
#include <v8.h>

namespace promethean::js {

/// The loop of the one Node environment; valid while the engine is started.
uv_loop_t* event_loop();

/// Under the isolate lock: how long a thread waiting for the loop may sleep (ms; -1: until an
/// event). A loop that nothing keeps alive (no ref'd handle or request) has nothing to wait for,
/// not nothing to wait for it: -1, where uv_backend_timeout says 0; a loop with I/O watchers not
/// yet registered with its backend fd (they are at its next turn) needs a turn first: 0.
int wait_timeout(uv_loop_t* loop);

/// Blocks until the loop has work (its backend fd is readable) or `timeout_ms` passes (-1: no
/// limit), holding no lock: the loop's state is only read and written under the isolate lock.
void wait_for_loop(uv_loop_t* loop, int timeout_ms);

/// Runs the event loop to completion as Node's own does (timers, I/O, 'beforeExit'), holding the
/// isolate lock only while callbacks run: between them the loop waits unlocked, so that other
/// threads call into JS meanwhile. Returns the exit code ('exit' listeners have run), also recorded as
/// engine::exit_code: the program is over.
int run_event_loop();

/// Runs ready event-loop work (timers due, I/O ready, immediates) without blocking.
void pump_event_loop();

/// Runs the event loop until `promise` settles, giving the lock up while the loop waits; throws
/// js_error when nothing left in the loop can settle it, or when JS exits meanwhile.
void await_promise(v8::Local<v8::Promise> promise);

/// Attaches a no-op rejection handler, telling Node that a rejection of `value` (when it is a
/// Promise) is handled by the host. Must run before the callback scope closes: that is when Node
/// reports unhandled rejections.
void handle_rejection_here(v8::Local<v8::Value> value);

/// Awaits `promise` (telling Node its rejection is handled here) and returns its value; a
/// rejection is thrown as the error family.
v8::Local<v8::Value> await_value(v8::Local<v8::Promise> promise);

}  // namespace promethean::js
