// Private: the thread that runs Node's event loop in the background, so that timers, I/O and
// servers started in JS go on while no thread calls into JS (Python sleeps, Rust computes).
//
// Who drives the loop: a thread that waits on JS drives it itself, as before (a script's
// run_event_loop, a thread awaiting a Promise: `loop_driver` below); while none does, the loop
// thread does. It waits for the loop (uv_backend_fd, uv_backend_timeout) holding no lock, then
// takes the isolate lock as any caller does (an `entered` scope) and runs one turn of the loop
// (UV_RUN_NOWAIT), so calls from other threads serialise with it on the isolate lock. Before
// it takes the lock again it lets threads that are entering JS go first (a bounded wait), so a
// loop with work always ready (setImmediate in a cycle) cannot starve callers.
//
// It stands aside while another thread drives (two threads polling one loop would wake each
// other in turn), and ends for good when JS is over: the engine stops (before the environment is
// freed), Ctrl-C interrupts JS, or process.exit() / an uncaught error ends the program. It is
// not in a fork()ed child (only the forking thread is), where JS is refused anyway.
#pragma once

namespace promethean::js {

/// Starts the loop thread; by the engine's start, once the environment is up. Idempotent.
void start_loop_thread();

/// Asks the loop thread to end and wakes it (it leaves JS at the end of its current turn).
/// From the engine's stop, after new entries into JS are refused.
void request_loop_thread_stop();

/// Waits for the loop thread to end; only once no thread is inside JS (then it ends promptly).
void join_loop_thread();

/// While one lives, its thread drives the event loop itself and the loop thread stands aside.
/// Made and destroyed under the isolate lock. Nestable.
class loop_driver {
 public:
  loop_driver();
  ~loop_driver();
  loop_driver(const loop_driver&) = delete;
  loop_driver& operator=(const loop_driver&) = delete;
};

}  // namespace promethean::js
