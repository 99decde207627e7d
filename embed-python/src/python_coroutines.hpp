// Private: Python as the producer of async calls. A coroutine another runtime called (JS's
// callAsync of an `async def`, an evalAsync whose code gives a coroutine) runs on an asyncio loop:
// the running loop of Python's main thread where there is one (a notebook, an asyncio
// application: the coroutine can use that loop's objects), else a loop Promethean keeps on a
// daemon thread of its own ("promethean-asyncio"). Its end settles the pending_call, from the
// loop's thread, with the GIL given up (pending_call.hpp's rule). Cancelling the pending call
// cancels the coroutine's task.
//
// Which loop is "the main thread's": the last one seen running there, noted by note_main_loop()
// (called by promethean.call_async and friends on the main thread, and when the hosted package is
// imported inside a running loop: a notebook's cell).
#pragma once

#include <promethean/host/pending_call.hpp>

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace promethean::python {

/// True for what run_awaitable takes: a coroutine, or any object with __await__. GIL held.
bool is_awaitable(pybind11::handle obj);

/// True for a function whose call gives a coroutine (`async def`, also as a bound method or an
/// object whose __call__ is one). GIL held.
bool is_coroutine_function(pybind11::handle fn);

/// Runs `awaitable` on the loop chosen as above; `name` says what it is in errors. GIL held.
/// `completion`: its value is evaluated code's, null when it cannot cross (completion_to_message).
std::shared_ptr<pending_call> run_awaitable(pybind11::object awaitable, std::string name, bool completion = false);

/// The helpers' namespace (a dict), made on first use. GIL held.
pybind11::dict async_support();

/// On Python's main thread, with the GIL: if a loop is running here, coroutines other runtimes
/// call go to it from now on (except while this thread waits in a blocking call out of Python:
/// then its loop waits too, and they go to Promethean's own).
void note_main_loop();
/// The same with the running loop in hand.
void note_main_loop(pybind11::handle loop);

/// Before Python finalises, with the GIL: Promethean's own loop stops (its thread then ends).
void stop_own_loop();

}  // namespace promethean::python
