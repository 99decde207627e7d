// Private: the eager start of a coroutine another runtime called (JS's callAsync of an
// `async def`) on Promethean's own asyncio loop, done on the calling thread.
//
// Handing a coroutine to the loop's thread and its result back costs two thread wake-ups
// (~90 µs on a 2-core machine); an `async def` that returns at once (a cache hit, a validation
// error) needs neither. Like Python 3.12's eager tasks, the task is made and its first step runs
// now, on the calling thread, as a step of the loop: get_running_loop() and current_task() are the
// loop's and the task's, as in any step. It runs only while the loop is idle, and kept so: its
// thread waits in select() (the loop's selector says so), every task of the loop is suspended at
// an await, and the selector's gate keeps the loop's thread from going on until the step ends. A
// coroutine that ends in its first step settles the call with no thread hop; one that suspends
// goes on on the loop's thread (woken for it). The support code (python_coroutines.cpp) makes the
// loop and the parts used here (`own_eager`); the sequence is C++ because it runs on every call.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace promethean::python {

/// The started task (done already, or running on Promethean's loop), or a null object when the
/// coroutine is to go the usual way (handed to the loop's thread): it is not a coroutine object,
/// the main thread's loop takes it (main_loop_free and that loop runs), Promethean's loop is not
/// made yet, busy, or in debug mode, or this thread is inside a step of an asyncio loop already.
/// The task is named `name`. GIL held; `support` is async_support().
pybind11::object start_eagerly(pybind11::handle coroutine, const std::string& name, const pybind11::dict& support,
                               bool main_loop_free);

}  // namespace promethean::python
