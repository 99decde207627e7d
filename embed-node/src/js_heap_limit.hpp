// Private: the JS heap's limit, and a call that runs past it. Node's own answer is to end the
// process ("JavaScript heap out of memory"); here only the call ends: V8's near-heap-limit
// callback raises the limit a little, so that V8 can go on to the point where it stops JS, and
// terminates the running JS; the termination of that call becomes an error of type OutOfMemory;
// then what the call left unreachable is collected and the limit restored. The host, the other
// runtimes and the next JS call go on.
//
// Not so inside a callback of the event loop (a timer, I/O) with no call from the host above it:
// Node's JS around a callback (its async-hook stack) cannot be cut short and go on, so JS is
// ended there as Node ends an environment (node::Stop), and the program's JS is over, as Node's
// process would be; the host and the other runtimes go on.
#pragma once

#include <v8.h>

#include <cstddef>
#include <string_view>

namespace promethean::js {

/// Before the isolate is created: the old generation's limit in MiB (V8's --max-old-space-size);
/// 0 leaves Node's own.
void set_heap_limit(std::size_t megabytes);

/// Once the isolate exists, under its lock: watch the limit.
void watch_heap_limit(v8::Isolate* isolate);

/// Under the lock, after JS stopped: true when the heap limit stopped it. The termination is then
/// cancelled, the garbage collected and the limit restored; the caller throws heap_limit_error().
bool recover_from_heap_limit(v8::Isolate* isolate);

/// The OutOfMemory error a call stopped at the limit fails with (a js_error), thrown.
[[noreturn]] void throw_heap_limit_error(std::string_view doing);

/// While one lives, this thread runs a turn of the event loop (uv_run): JS that reaches the limit
/// with no host call above the turn on this thread is inside a Node callback (see above).
class loop_turn {
 public:
  loop_turn();
  ~loop_turn();
  loop_turn(const loop_turn&) = delete;
  loop_turn& operator=(const loop_turn&) = delete;

 private:
  int m_outer;
};

/// Whether this thread is inside a turn of the event loop (at any depth of calls made from its
/// callbacks).
bool inside_loop_turn() noexcept;

/// After a turn of the event loop, under the lock: when a callback reached the limit, says so on
/// stderr (no call is there to fail) and records that the program's JS is over (exit code 134, as
/// Node's abort). True then.
bool report_heap_limit_in_callback(v8::Isolate* isolate);

}  // namespace promethean::js
