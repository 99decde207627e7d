// Private: what a thread's own calls into JS keep about themselves (how deeply it is inside
// `entered`, its cancel scopes, its innermost timed call, its event-loop turn), in one
// thread-local record.
//
// Why one record, declared here: every entry into JS reads and writes these, so the scopes that
// do (entered, cancel_scope, terminate_if_expired) test them inline and call out only when there
// is work. `constinit` tells the compiler the record has no dynamic initialiser, so it is read
// directly instead of through a thread-local wrapper call; and in the js runtime's module (a
// shared library, loaded on first use) one record costs one thread-local lookup per function
// instead of one per variable.
#pragma once

#include <cstdint>

namespace promethean::js {

class js_deadline;

struct js_thread_state {
  int entered_depth = 0;                 ///< nesting of `entered` (0 outside JS)
  int cancel_depth = 0;                  ///< nesting of cancel_scope
  std::uint64_t cancels_at_start = 0;    ///< the cancel count when the outermost cancel_scope began
  js_deadline* innermost_deadline = nullptr;  ///< the innermost timed call, or null
  int turn_depth = -1;                   ///< entered_depth at the innermost event-loop turn; -1 outside
};

/// This thread's record (defined in js_engine.cpp).
extern constinit thread_local js_thread_state t_js_thread;

}  // namespace promethean::js
