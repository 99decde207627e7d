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


#include <cmath>
#include <optional>
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

/// An asyncio future of `loop` that the pending call settles (at once if it is settled); cancelling
/// the future cancels the call.
py::object await_on(py::handle loop, pending_ref& pending) {
  py::object future = loop.attr("create_future")();
  if (!deliver(pending, loop, future)) {
    future.attr("add_done_callback")(py::cpp_function([call = pending.call](py::handle f) {
      if (f.attr("cancelled")().cast<bool>()) call->cancel();
    }));
  }
  return future;
}

py::object running_loop(const char* what) {
  // asyncio.get_running_loop, looked up once (an import per call was a tenth of a settled call);
  // kept for the interpreter's life, as CPython starts once per process.
  static PyObject* const get_running_loop =
      py::object(py::module_::import("asyncio").attr("get_running_loop")).release().ptr();
  PyObject* loop = PyObject_CallNoArgs(get_running_loop);
  if (loop == nullptr) {
    PyErr_Clear();  // asyncio's "no running event loop", said for this call
    PyErr_SetString(PyExc_RuntimeError, (std::string(what) + " needs a running asyncio loop: await it inside an async "
                                         "def (asyncio.run(main())); promethean.call is the blocking call")
                                            .c_str());
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::object>(loop);
}

/// What call_async, eval_async and a Pending handle give Python: an awaitable of an asyncio future
/// of the loop that awaits it, and a coroutine to asyncio (collections.abc.Coroutine by its send,
/// throw, close and __await__, so create_task, gather and wait_for take it). C++, not an `async def`, so that a traceback
/// shows no frame of ours: the awaiting code's frames, then the error's own.
struct call_awaitable {
  std::string what;                  // for repr: "call_async js fetchJson"
  py::object future;                 // the asyncio future, once there is one
  std::optional<pending_ref> later;  // a Pending handle's call: its future is made when first awaited
  py::object iterator;               // future.__await__(), once stepped

  py::object& steps() {
    if (!iterator) {
      if (!future) {
        future = await_on(running_loop("awaiting a pending result"), *later);
        later.reset();
      }
      iterator = future.attr("__await__")();
    }
    return iterator;
  }
};

py::object make_awaitable(std::string what, py::object future, std::optional<pending_ref> later = std::nullopt) {
  return py::cast(call_awaitable{std::move(what), std::move(future), std::move(later), {}});
}

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
  py::class_<call_awaitable>(m, "_Awaitable")
      .def("__await__", [](call_awaitable& a) { return a.steps(); })
      .def("send", [](call_awaitable& a, py::handle value) { return a.steps().attr("send")(value); })
      .def("throw", [](call_awaitable& a, py::args args) { return a.steps().attr("throw")(*args); })
      .def("close", [](call_awaitable& a) {
        if (a.iterator) a.iterator.attr("close")();
      })
      .def("__repr__", [](const call_awaitable& a) { return "<promethean " + a.what + ">"; });
  // No collections.abc.Coroutine.register: the ABC recognises the type by these four methods
  // (isinstance, asyncio.iscoroutine, inspect.isawaitable), and importing collections.abc here
  // cost every start ~2 ms.
  m.def(
      "call_async",
      [](const std::string& rt, const std::string& fn, py::args args, py::kwargs kwargs) {
        py::object loop = running_loop("promethean.call_async");
        note_if_main_thread(loop);
        py::object timeout = kwargs.contains("timeout") ? kwargs.attr("pop")("timeout") : py::none();
        const bool cancel_signal = kwargs.contains("cancel_signal") && kwargs.attr("pop")("cancel_signal").cast<bool>();
        call_options options = timeout_options(timeout, "call_async");
        options.cancel_signal = cancel_signal;
        std::vector<PyObject*> items(args.size());
        for (std::size_t i = 0; i < args.size(); ++i) items[i] = args[i].ptr();
        check_keyword_arguments_last(items.data(), items.size(), "promethean.call_async");
        py::object keywords;  // held while `items` borrows it
        if (!kwargs.empty()) {
          keywords = new_keyword_arguments();
          keywords.attr("update")(kwargs);
          items = with_keyword_arguments(items.data(), items.size(), keywords, "promethean.call_async");
        }
        message call_args = arguments_to_message(items.data(), items.size());
        pending_ref started{routed([&] { return the_host().call_async(rt, fn, call_args, options); })};
        return make_awaitable("call_async " + rt + " " + fn, await_on(loop, started));
      },
      py::arg("runtime"), py::arg("function"),
      "call_async(runtime, function, *args, timeout=None, cancel_signal=False, **kwargs)\n--\n\n"
      "Start a call in a runtime now and return a coroutine that awaits its result on the running loop:\n"
      "`await promethean.call_async(\"js\", \"fetchJson\", url)`, or asyncio.create_task(...). The loop goes on\n"
      "while the other runtime works. timeout=seconds fails it with a Timeout error; cancel_signal=True hands\n"
      "a JS function an AbortSignal as its last argument, which fires when the awaiting task is cancelled.\n"
      "Other keyword arguments go to the function, as with promethean.call.");
  m.def(
      "eval_async",
      [](const std::string& rt, const std::string& code, py::handle timeout) {
        py::object loop = running_loop("promethean.eval_async");
        note_if_main_thread(loop);
        const call_options options = timeout_options(timeout, "eval_async");
        pending_ref started{routed([&] { return the_host().eval_async(rt, code, options); })};
        return make_awaitable("eval_async " + rt, await_on(loop, started));
      },
      py::arg("runtime"), py::arg("code"), py::kw_only(), py::arg("timeout") = py::none(),
      "Evaluate code in a runtime and return an awaitable of its value (a Promise or a coroutine the code\n"
      "gives is awaited).");
  m.def("_note_main_loop", [] { note_main_loop(); });
}

py::object awaitable_for(std::shared_ptr<pending_call> call) {
  return make_awaitable("pending result", py::object(), pending_ref{std::move(call)});
}

}  // namespace promethean::python
