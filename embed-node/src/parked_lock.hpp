// Private: the thread that started Node keeps its place in V8 between calls: its isolate lock is
// parked, and the isolate and the Node context stay entered.
//
// Why the lock: a top-level v8::Locker is expensive to take and give back (V8 sets up and frees
// the thread's execution state every time: ~250 ns, most of a small call). A Locker nested inside
// an Unlocker is cheap when no other thread used the isolate in between: V8 archives the thread's
// state lazily and, when the same thread comes back, just takes it up again. So the thread that
// started Node keeps one top-level Locker for the engine's life with an Unlocker inside it; every
// `entered` on that thread is then such a nested Locker. The lock itself is not held while parked
// (the Unlocker gave it up): other threads lock and unlock as before, they only pay for archiving
// the parked thread's state the first time they come after it.
//
// Why the entries: entering the isolate takes a mutex and a table lookup in V8 (Isolate::Enter
// finds the thread's per-isolate data), and entering a context pushes it on V8's entered-context
// stack; on the parked thread both are done once, at park time, instead of on every call. Only
// its outermost `entered` relies on the context entry (a nested one may run inside a vm context,
// and enters the Node context itself); none of its `entered`s enter the isolate again.
//
// Why that is safe with other threads: the context entry lives in the thread's V8 state, which
// the Locker archives and restores per thread. The isolate entry does not: V8 keeps one stack of
// isolate entries per isolate, which other threads push onto and pop (their Isolate::Scope) while
// the parked thread's entry stays at the bottom. The parked thread never pushes or pops it after
// park time (it skips Isolate::Scope, so it cannot pop another thread's entry when the threads
// give the lock up in an interleaved order), and the other threads' pushes and pops balance, so
// the bottom entry is only ever popped by unpark_isolate_lock().
#pragma once

#include <pthread.h>
#include <v8.h>

#include <atomic>

namespace promethean::js {

namespace detail {
/// What keeps_entered_here() reads on every entry (parked_lock.cpp): the parked thread, and
/// whether it is parked. Written at start and stop only, while no other thread is inside JS.
extern pthread_t g_parked_thread;
extern std::atomic<bool> g_is_parked;
}  // namespace detail

/// On the thread that started the engine, holding no lock: parks it (see above) when that is the
/// process's main thread. Why only there: a parked Locker belongs to its thread and can only be
/// given back on it, and the engine stops on the thread that drops the host, which is in practice
/// the main thread. A helper thread that starts Node lazily (a Rust plugin's thread calling into
/// JS, say) may have ended by then, and V8's per-thread state would leak with it.
void park_isolate_lock(v8::Isolate* isolate, const v8::Global<v8::Context>& context);

/// True on the parked thread while it is parked: its isolate and the Node context are entered.
/// Inline and cheap (no thread-local lookup, no call): it is asked on every entry into JS.
inline bool keeps_entered_here() noexcept {
  return detail::g_is_parked.load(std::memory_order_relaxed) && pthread_equal(pthread_self(), detail::g_parked_thread) != 0;
}

/// Before the isolate is disposed, holding no lock. On the parked thread: leaves the context and
/// the isolate and gives the lock back. On another thread (a host created on the main thread but
/// dropped elsewhere), the parked Locker cannot be given back: it is left alone for good, which is
/// harmless (the lock is not held while parked) but leaves that thread's V8 state (~10 KiB); the
/// isolate entry is left from here, since V8 refuses to dispose an entered isolate.
void unpark_isolate_lock();

}  // namespace promethean::js
