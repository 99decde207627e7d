// Private: the isolate lock parked on the thread that started Node, between its calls.
//
// Why: a top-level v8::Locker is expensive to take and give back (V8 sets up and frees the thread's
// execution state every time: ~250 ns, most of a small call). A Locker nested inside an Unlocker
// is cheap when no other thread used the isolate in between: V8 archives the thread's state
// lazily and, when the same thread comes back, just takes it up again. So the thread that started
// Node keeps one top-level Locker for the engine's life with an Unlocker inside it; every `entered`
// on that thread is then such a nested Locker. The lock itself is not held while parked (the
// Unlocker gave it up): other threads lock and unlock as before, they only pay for archiving the
// parked thread's state the first time they come after it.
#pragma once

#include <v8.h>

namespace promethean::js {

/// On the thread that started the engine, holding no lock: parks it (see above) when that is the
/// process's main thread. Why only there: a parked Locker belongs to its thread and can only be
/// given back on it, and the engine stops on the thread that drops the host, which is in practice
/// the main thread. A helper thread that starts Node lazily (a Rust plugin's thread calling into
/// JS, say) may have ended by then, and V8's per-thread state would leak with it.
void park_isolate_lock(v8::Isolate* isolate);

/// Before the isolate is disposed: unparks when called on the parked thread. Called on another
/// thread (a host created on the main thread but dropped elsewhere), it cannot: the parked pair is
/// left alone for good, which is harmless (the lock is not held while parked) but leaks V8's few
/// bytes of per-thread state.
void unpark_isolate_lock();

}  // namespace promethean::js
