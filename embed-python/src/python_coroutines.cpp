// Python as the producer of async calls: coroutines on an asyncio loop (python_coroutines.hpp).
#include "python_coroutines.hpp"

#include "python_conversion.hpp"
#include "python_frozen_code.hpp"
#include "python_eager_start.hpp"
#include "python_errors.hpp"
#include "python_state.hpp"
#include "with_gil.hpp"
#include "without_gil.hpp"

#include <promethean/error.hpp>

#include <utility>

namespace py = pybind11;

namespace promethean::python {
namespace {

/// The error a failed future holds (exc), as the error family (a ForeignError stays its own).
std::exception_ptr error_of(py::handle exc) {
  // Raised again with its own traceback (PyErr_SetObject would leave it out of the trace).
  PyObject* type = reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr()));
  PyObject* traceback = PyException_GetTraceback(exc.ptr());  // a new reference, or null
  Py_INCREF(type);
  PyErr_Restore(type, exc.inc_ref().ptr(), traceback);
  py::error_already_set raised;
  try {
    throw_from_python(raised);
  } catch (...) {
    return std::current_exception();
  }
}

/// The blocking-call count of the thread whose loop is the main loop (Python's main thread).
std::atomic<const std::atomic<int>*> g_main_loop_thread_waits{nullptr};

}  // namespace

py::dict async_support() {
  auto& s = state();
  if (!s.async_support) {
    py::dict scope;
    run_frozen_code("async_support", scope);
    s.async_support = scope;
  }
  return py::reinterpret_borrow<py::dict>(s.async_support);
}

bool is_awaitable(py::handle obj) {
  return PyCoro_CheckExact(obj.ptr()) || py::hasattr(obj, "__await__");
}

bool is_coroutine_function(py::handle fn) {
  // An `async def` function or method, the usual case, is told by its code's flag (as inspect
  // does, without a Python call); anything else (a partial, an object whose __call__ is an async
  // def, a plain function) asks inspect.
  PyObject* f = PyMethod_Check(fn.ptr()) ? PyMethod_GET_FUNCTION(fn.ptr()) : fn.ptr();
  if (PyFunction_Check(f) && (reinterpret_cast<PyCodeObject*>(PyFunction_GET_CODE(f))->co_flags & CO_COROUTINE) != 0) {
    return true;
  }
  return async_support()["is_coroutine_function"](fn).cast<bool>();
}

namespace {

/// A finished task's outcome (GIL held): its result as a message, or the error it failed with.
pending_call::outcome outcome_of(py::handle task, const std::string& name, bool completion) {
  pending_call::outcome out;
  try {
    PyObject* result = PyObject_CallMethod(task.ptr(), "result", nullptr);
    if (result != nullptr) {
      auto value = py::reinterpret_steal<py::object>(result);
      out.value = completion ? completion_to_message(value) : to_message(value);
      return out;
    }
    PyErr_Clear();  // the coroutine's exception, taken again below with its traceback
    if (task.attr("cancelled")().cast<bool>()) {
      out.error = std::make_exception_ptr(error("py", "Cancelled", name + " was cancelled"));
    } else {
      out.error = error_of(task.attr("exception")());
    }
  } catch (py::error_already_set& e) {
    try {
      throw_from_python(e);
    } catch (...) {
      out.error = std::current_exception();
    }
  } catch (...) {
    out.error = std::current_exception();
  }
  return out;
}

/// The task's done callback: settles `call` on the loop's thread. It holds the pending call (the
/// producer keeps it alive; its consumer may hold only a continuation in it) until then.
py::cpp_function settle_when_done(std::shared_ptr<pending_call> call, std::string name, bool completion) {
  return py::cpp_function([call = std::move(call), name = std::move(name), completion](py::handle task) {
    pending_call::outcome outcome = outcome_of(task, name, completion);
    // The continuation may take another runtime's lock: not with the GIL held. without_gil, not
    // gil_scoped_release: this is a daemon thread at exit (without_gil.hpp says why it matters).
    try {
      without_gil([&] {
        if (outcome.error) {
          call->fail(outcome.error);
        } else {
          call->complete(std::move(outcome.value));
        }
      });
    } catch (const error&) {
      // Python is shutting down: the host fails every pending call itself ("Shutdown").
    }
  });
}

/// Cancelling the pending call cancels the task, from whatever thread cancels (cancel: a Python
/// callable that does it thread-safely).
void cancel_through(pending_call& call, py::object cancel) {
  auto hook = std::make_shared<held_object>(std::move(cancel));
  call.on_cancel([hook] {
    try {
      with_gil gil;
      PyObject* r = PyObject_CallNoArgs(hook->object);
      if (r == nullptr) PyErr_Clear();  // a cancel that cannot happen (the loop closed) has nothing to stop
      Py_XDECREF(r);
    } catch (const error&) {
      // Python has shut down: the coroutine ended with it.
    }
  });
}

}  // namespace

std::shared_ptr<pending_call> run_awaitable(py::object awaitable, std::string name, bool completion) {
  const std::atomic<int>* waits = g_main_loop_thread_waits.load(std::memory_order_acquire);
  const bool main_loop_free = waits == nullptr || waits->load(std::memory_order_relaxed) == 0;
  py::dict support = async_support();
  // Started here, as Python 3.12 starts an eager task: one that ends at once settles with no hop.
  if (py::object task = start_eagerly(awaitable, name, support, main_loop_free)) {
    if (task.attr("done")().cast<bool>()) {
      pending_call::outcome outcome = outcome_of(task, name, completion);
      if (outcome.error) return pending_call::failed(outcome.error);
      return pending_call::ready(std::move(outcome.value));
    }
    auto call = pending_call::make();
    task.attr("add_done_callback")(settle_when_done(call, std::move(name), completion));
    cancel_through(*call, support["cancel_of"](task));
    return call;
  }
  auto call = pending_call::make();
  const std::string task_name = name;  // the settle callback takes `name`: not both in one call's arguments
  cancel_through(*call, support["run"](std::move(awaitable), settle_when_done(call, std::move(name), completion),
                                       main_loop_free, task_name));
  return call;
}

void note_main_loop(py::handle loop) {
  async_support()["main_loop"] = loop;
  g_main_loop_thread_waits.store(&t_blocking_calls, std::memory_order_release);
}

void note_main_loop() {
  py::object loop = async_support()["running_loop_of_main_thread"]();
  if (!loop.is_none()) note_main_loop(loop);
}

void stop_own_loop() {
  if (!state().async_support) return;
  try {
    async_support()["stop_own_loop"]();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("stopping promethean's asyncio loop");
  }
}

}  // namespace promethean::python
