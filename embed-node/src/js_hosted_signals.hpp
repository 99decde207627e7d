// Private: Ctrl-C and SIGTERM in the Node-hosted mode (`require('promethean')` in the user's own
// node), for a program that listens for neither. Node's way stays the outcome: node ends, killed
// by the signal (the same exit status, the terminal reset as node resets it). Before that, Python
// and the plugins stop cleanly, as at the 'exit' event: Python's atexit handlers run, its threads
// are joined, the plugins are unloaded, every buffer is freed once and the ledger is checked.
//
// How (the stop must happen on node's main thread, which may be running JS, even a runaway loop,
// waiting in its event loop, or inside a call to another runtime):
//  1. the handler (async-signal-safe) notes the signal and wakes a watcher thread through a pipe;
//  2. the watcher asks the main thread to stop where it may be: running JS (V8's
//     RequestInterrupt, which a runaway loop notices too) and waiting in its loop (an async
//     handle), again every 20 ms until it has;
//  3. the main thread stops at the first of those found outside every promethean call: a JS
//     function that Python called, or a Python call made from JS, ends first (the stop never pulls
//     a runtime's frames from under it). It ends the Host, puts node's own handling of the signal
//     back and raises the signal again: node resets the terminal and is killed by it.
// A second signal while the stop waits (a long Python call on the main thread, a plugin function
// that does not return) ends node at once, as without promethean. A program that listens itself
// (`process.on('SIGINT', …)`) replaces this handler with libuv's: the signal is then the program's.
#pragma once

#include <uv.h>
#include <v8.h>

#include <functional>

namespace promethean::js {

/// On node's main thread, once, when the Host is made. Takes over SIGINT (`sigint`) and SIGTERM
/// (`sigterm`) as above, each only while node handles it its own way: never one node ignores (a
/// node started in the background or under nohup keeps ignoring SIGINT). `stop` ends the Host, as
/// the 'exit' event does; it runs on the main thread, and must call end_clean_stop_on_signals().
void start_clean_stop_on_signals(v8::Isolate* isolate, uv_loop_t* loop, bool sigint, bool sigterm,
                                 std::function<void()> stop);

/// On node's main thread, when the Host ends (the 'exit' event, or the stop above): node's own
/// handling of the signals back where this module's handler still is, the watcher ended, the
/// async handle closed. Idempotent.
void end_clean_stop_on_signals() noexcept;

}  // namespace promethean::js
