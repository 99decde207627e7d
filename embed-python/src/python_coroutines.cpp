// Python as the producer of async calls: coroutines on an asyncio loop (python_coroutines.hpp).
#include "python_coroutines.hpp"

#include "python_conversion.hpp"
#include "python_errors.hpp"
#include "python_state.hpp"
#include "with_gil.hpp"
#include "without_gil.hpp"

#include <promethean/error.hpp>

#include <pybind11/eval.h>

#include <utility>

namespace py = pybind11;

namespace promethean::python {
namespace {

// The loop side, in Python: asyncio's own thread-safe scheduling does the work.
constexpr const char* k_support_source = R"(
import asyncio, inspect, threading

main_loop = None   # the loop last seen running on the main thread
own_loop = None    # Promethean's loop, on its daemon thread, made on first use
own_lock = threading.Lock()

def running_loop_of_main_thread():
    if threading.current_thread() is not threading.main_thread():
        return None
    return asyncio._get_running_loop()

def _own():
    global own_loop
    with own_lock:
        if own_loop is None or own_loop.is_closed():
            loop = asyncio.new_event_loop()
            started = threading.Event()
            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()
            threading.Thread(target=run, name="promethean-asyncio", daemon=True).start()
            started.wait()
            own_loop = loop
        return own_loop

def stop_own_loop():
    loop = own_loop
    if loop is not None and not loop.is_closed():
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass

class _Start:
    """Starts a coroutine as a task of its loop (on the loop's thread), and cancels it from any."""
    __slots__ = ("loop", "coroutine", "settle", "task", "cancelled")

    def __init__(self, loop, coroutine, settle):
        self.loop, self.coroutine, self.settle = loop, coroutine, settle
        self.task, self.cancelled = None, False

    def __call__(self):
        self.task = task = self.loop.create_task(self.coroutine)
        self.coroutine = None
        task.add_done_callback(self.settle)
        if self.cancelled:
            task.cancel()

    def cancel(self):
        self.cancelled = True
        task = self.task
        if task is not None:
            self.loop.call_soon_threadsafe(task.cancel)

def run(awaitable, settle, main_loop_free):
    """Runs awaitable on the main thread's running loop (when free: its thread is not waiting in a
    blocking call), else on Promethean's; settle(task) when it ends (on the loop's thread).
    Returns the function that cancels it."""
    loop = main_loop
    if loop is None or not main_loop_free or loop.is_closed() or not loop.is_running():
        loop = _own()
    coroutine = awaitable if asyncio.iscoroutine(awaitable) else _awaited(awaitable)
    start = _Start(loop, coroutine, settle)
    if asyncio._get_running_loop() is loop:
        start()  # already on the loop's thread: no wake-up needed
    else:
        loop.call_soon_threadsafe(start)
    return start.cancel

async def _awaited(awaitable):
    # run_coroutine_threadsafe takes coroutines only: another awaitable (a Future) is awaited here.
    return await awaitable

def settle_threadsafe(loop, future, ok, value):
    """Hands a call's outcome to the loop awaiting it (promethean.call_async's future)."""
    try:
        loop.call_soon_threadsafe(_settle, future, ok, value)
    except RuntimeError:
        pass  # the loop is closed: nobody awaits any more

def _settle(future, ok, value):
    if not future.done():
        (future.set_result if ok else future.set_exception)(value)

def is_coroutine_function(fn):
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
)";

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
    scope["__builtins__"] = py::module_::import("builtins");
    py::exec(k_support_source, scope);
    s.async_support = scope;
  }
  return py::reinterpret_borrow<py::dict>(s.async_support);
}

bool is_awaitable(py::handle obj) {
  return PyCoro_CheckExact(obj.ptr()) || py::hasattr(obj, "__await__");
}

bool is_coroutine_function(py::handle fn) {
  return async_support()["is_coroutine_function"](fn).cast<bool>();
}

std::shared_ptr<pending_call> run_awaitable(py::object awaitable, std::string name) {
  auto call = pending_call::make();
  // On the loop's thread, with the GIL, when the future is done. It holds the pending call (the
  // producer keeps it alive; its consumer may hold only a continuation in it) until then.
  py::cpp_function settle([call, name](py::handle future) {
    const std::shared_ptr<pending_call>& settling = call;
    message result;
    std::exception_ptr failure;
    try {
      if (future.attr("cancelled")().cast<bool>()) {
        failure = std::make_exception_ptr(error("py", "Cancelled", name + " was cancelled"));
      } else if (py::object exc = future.attr("exception")(); !exc.is_none()) {
        failure = error_of(exc);
      } else {
        result = to_message(future.attr("result")());
      }
    } catch (py::error_already_set& e) {
      try {
        throw_from_python(e);
      } catch (...) {
        failure = std::current_exception();
      }
    } catch (...) {
      failure = std::current_exception();
    }
    // The continuation may take another runtime's lock: not with the GIL held. without_gil, not
    // gil_scoped_release: this is a daemon thread at exit (without_gil.hpp says why it matters).
    try {
      without_gil([&] {
        if (failure) {
          settling->fail(failure);
        } else {
          settling->complete(std::move(result));
        }
      });
    } catch (const error&) {
      // Python is shutting down: the host fails every pending call itself ("Shutdown").
    }
  });
  const std::atomic<int>* waits = g_main_loop_thread_waits.load(std::memory_order_acquire);
  const bool main_loop_free = waits == nullptr || waits->load(std::memory_order_relaxed) == 0;
  py::object cancel = async_support()["run"](std::move(awaitable), settle, main_loop_free);
  auto hook = std::make_shared<held_object>(cancel);
  call->on_cancel([hook] {
    try {
      with_gil gil;
      PyObject* r = PyObject_CallNoArgs(hook->object);
      if (r == nullptr) PyErr_Clear();  // a cancel that cannot happen (the loop closed) has nothing to stop
      Py_XDECREF(r);
    } catch (const error&) {
      // Python has shut down: the coroutine ended with it.
    }
  });
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
