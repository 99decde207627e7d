// Python as the consumer of async calls: asyncio futures of the caller's loop (python_awaitables.hpp).
#include "python_awaitables.hpp"

#include "python_conversion.hpp"
#include "python_module.hpp"
#include "python_coroutines.hpp"
#include "python_keyword_arguments.hpp"
#include "python_errors.hpp"
#include "python_state.hpp"
#include "with_gil.hpp"
#include "without_gil.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/pending_call.hpp>

#include <pybind11/eval.h>

#include <cmath>
#include <memory>
#include <utility>

namespace py = pybind11;

namespace promethean::python {
namespace {

/// A pending call as Python holds it (promethean._PendingCall).
struct pending_ref {
  std::shared_ptr<pending_call> call;
};

host& the_host() {
  host* h = state().owner;
  if (h == nullptr) throw usage_error("promethean has shut down: no runtime can be called any more", "py");
  return *h;
}

/// The outcome as (True, value) or (False, exception), with the GIL.
py::tuple to_python(pending_call::outcome outcome) {
  if (!outcome.error) {
    try {
      return py::make_tuple(true, from_message(outcome.value));
    } catch (...) {
      outcome.error = std::current_exception();
    }
  }
  try {
    std::rethrow_exception(outcome.error);
  } catch (...) {
    python_error_from_current_exception();
  }
  py::error_already_set raised;
  return py::make_tuple(false, raised.value());
}

/// Gives `future` (of `loop`) the call's outcome: now if it is there (True), else when it comes.
bool deliver(pending_ref& h, py::handle loop, py::handle future) {
  if (auto now = h.call->try_take()) {
    py::tuple r = to_python(std::move(*now));
    future.attr(r[0].cast<bool>() ? "set_result" : "set_exception")(r[1]);
    return true;
  }
  auto on_loop = std::make_shared<held_object>(loop);
  auto awaiting = std::make_shared<held_object>(future);
  h.call->then([on_loop, awaiting](pending_call::outcome outcome) {
    try {
      with_gil gil;
      try {
        py::tuple r = to_python(std::move(outcome));
        async_support()["settle_threadsafe"](py::handle(on_loop->object), py::handle(awaiting->object), r[0], r[1]);
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("delivering the result of promethean.call_async");
      }
    } catch (const error&) {
      // Python has shut down: no loop is waiting any more.
    }
  });
  return false;
}

constexpr const char* k_api_source = R"(
def call_async(runtime, function, *args, timeout=None, cancel_signal=False, **kwargs):
    """Start a call in a runtime now and return a coroutine that awaits its result (on the running
    loop): `await promethean.call_async("js", "fetchJson", url)`, or asyncio.create_task(...). The loop goes on while the other runtime
    works: a JS Promise, a Python coroutine, a blocking call on a worker thread of the host.
    timeout=seconds fails it with promethean.TimeoutError; cancel_signal=True hands a JS function
    an AbortSignal as its last argument, which fires when the awaiting task is cancelled. Other
    keyword arguments go to the function, as with promethean.call."""
    import asyncio
    loop = asyncio.get_running_loop()
    return _awaited(_await_on(loop, _start_call(loop, runtime, function, args, kwargs or None, timeout, cancel_signal)))

def eval_async(runtime, code, *, timeout=None):
    """Evaluate code in a runtime and return an awaitable of its value (a Promise or a coroutine
    the code gives is awaited)."""
    import asyncio
    loop = asyncio.get_running_loop()
    return _awaited(_await_on(loop, _start_eval(loop, runtime, code, timeout)))

async def _awaited(future):
    # A coroutine rather than the future itself, so that create_task() takes it as well as await.
    return await future

async def _awaited_pending(pending):
    # A pending result that came inside a message: awaited on the loop that awaits it.
    import asyncio
    return await _await_on(asyncio.get_running_loop(), pending)

def _await_on(loop, pending):
    future = loop.create_future()
    if not pending.deliver(loop, future):
        future.add_done_callback(pending.cancel_if_cancelled)
    return future
)";

/// The main thread's running loop is where coroutines other runtimes call should go.
void note_if_main_thread(py::handle loop) {
  static const unsigned long main_ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  if (PyThread_get_thread_ident() == main_ident) note_main_loop(loop);
}

/// Runs a host call with the GIL released; promethean errors become promethean.ForeignError.
template <class F>
auto routed(F&& f) {
  struct starting_async {
    bool before = t_starting_async;
    starting_async() { t_starting_async = true; }
    ~starting_async() { t_starting_async = before; }
  } marked;
  try {
    return without_gil(std::forward<F>(f));
  } catch (const error& e) {
    raise_foreign(e);
  }
}

}  // namespace

void define_async_api(py::module_& m) {
  py::class_<pending_ref>(m, "_PendingCall")
      .def("deliver", &deliver)
      .def("cancel_if_cancelled", [](pending_ref& h, py::handle future) {
        if (future.attr("cancelled")().cast<bool>()) h.call->cancel();
      });
  m.def("_start_call", [](py::handle loop, const std::string& rt, const std::string& fn, py::tuple args,
                          py::object kwargs, py::handle timeout, bool cancel_signal) {
    note_if_main_thread(loop);
    call_options options = timeout_options(timeout, "call_async");
    options.cancel_signal = cancel_signal;
    std::vector<PyObject*> items(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) items[i] = args[i].ptr();
    check_keyword_arguments_last(items.data(), items.size(), "promethean.call_async");
    py::object keywords;  // held while `items` borrows it
    if (!kwargs.is_none()) {
      keywords = new_keyword_arguments();
      keywords.attr("update")(kwargs);
      items = with_keyword_arguments(items.data(), items.size(), keywords, "promethean.call_async");
    }
    message call_args = arguments_to_message(items.data(), items.size());
    return pending_ref{routed([&] { return the_host().call_async(rt, fn, call_args, options); })};
  });
  m.def("_start_eval", [](py::handle loop, const std::string& rt, const std::string& code, py::handle timeout) {
    note_if_main_thread(loop);
    const call_options options = timeout_options(timeout, "eval_async");
    return pending_ref{routed([&] { return the_host().eval_async(rt, code, options); })};
  });
  m.def("_note_main_loop", [] { note_main_loop(); });
  py::exec(k_api_source, m.attr("__dict__"));
}

py::object awaitable_for(std::shared_ptr<pending_call> call) {
  return py::module_::import("promethean").attr("_awaited_pending")(pending_ref{std::move(call)});
}

}  // namespace promethean::python
