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

/// On the thread that started the engine, holding no lock: parks it (see above).
void park_isolate_lock(v8::Isolate* isolate);

/// Before the isolate is disposed: unparks when called on the parked thread. Called on another
/// thread, it cannot (a Locker belongs to its thread): the parked pair is left alone for good,
/// which is harmless, since the lock is not held while parked.
void unpark_isolate_lock();

}  // namespace promethean::js
