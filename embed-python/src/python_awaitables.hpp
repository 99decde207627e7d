// Private: Python as the consumer of async calls. promethean.call_async / eval_async start the call
// at once and return an asyncio future of the caller's running loop; the pending call's
// continuation, on whatever thread settles it, converts the outcome with the GIL and hands it to
// that loop with call_soon_threadsafe. A result that is there at once (a plain JS value, a
// settled Promise) makes the future done before it is returned: no thread hop. Cancelling the
// future (the awaiting task cancelled) cancels the call: its producer is told (a JS AbortSignal
// fires, a Python coroutine's task is cancelled) and the outcome is dropped.
#pragma once

#include <promethean/host/pending_call.hpp>

#include <pybind11/pybind11.h>

#include <memory>

namespace promethean::python {

/// Adds call_async, eval_async and their helpers to the promethean module `m`.
void define_async_api(pybind11::module_& m);

/// A pending call that crossed into Python inside a message (pending_handle.hpp): a coroutine
/// that awaits it on the running loop. GIL held.
pybind11::object awaitable_for(std::shared_ptr<pending_call> call);

}  // namespace promethean::python
