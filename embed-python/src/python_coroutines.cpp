// Python as the producer of async calls: coroutines on an asyncio loop (python_coroutines.hpp).
#include "python_coroutines.hpp"

#include "python_conversion.hpp"
#include "python_eager_start.hpp"
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
import asyncio, functools, inspect, selectors, threading

main_loop = None   # the loop last seen running on the main thread
own_loop = None    # Promethean's loop, on its daemon thread, made on first use
own_eager = None   # the parts of own_loop that an eager start uses (python_eager_start.hpp)
own_lock = threading.Lock()

def running_loop_of_main_thread():
    if threading.current_thread() is not threading.main_thread():
        return None
    loop = asyncio._get_running_loop()
    return None if loop is own_loop else loop  # own_loop: an eager first step on this thread

class _IdleWatchingSelector(selectors.DefaultSelector):
    """The selector of Promethean's loop. `waiting` is true while the loop's thread waits for I/O
    or a timer: the loop is then between two rounds, each of its tasks suspended at an await. A
    thread that holds the GIL and `gate` may then run a new task's first step itself
    (python_eager_start.hpp); the loop's thread, woken meanwhile, waits for the gate before it
    runs anything."""
    def __init__(self):
        super().__init__()
        self.waiting = False
        self.gate = threading.Lock()

    def select(self, timeout=None):
        self.waiting = True
        try:
            return super().select(timeout)
        finally:
            with self.gate:
                self.waiting = False

def _own():
    global own_loop, own_eager
    with own_lock:
        if own_loop is None or own_loop.is_closed():
            loop = asyncio.SelectorEventLoop(_IdleWatchingSelector())
            started = threading.Event()
            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()
            threading.Thread(target=run, name="promethean-asyncio", daemon=True).start()
            started.wait()
            own_loop = loop
            # What python_eager_start.cpp uses, in its order.
            own_eager = (loop, loop._selector, loop._selector.gate.acquire, loop._selector.gate.release,
                         loop._ready, loop._ready.pop, loop._scheduled, loop._write_to_self, asyncio.Task,
                         asyncio._get_running_loop, asyncio._set_running_loop, asyncio.current_task,
                         ("loop", "name"), "waiting", "_debug", "_context", "_callback", "done")
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
    __slots__ = ("loop", "coroutine", "settle", "name", "task", "cancelled")

    def __init__(self, loop, coroutine, settle, name):
        self.loop, self.coroutine, self.settle, self.name = loop, coroutine, settle, name
        self.task, self.cancelled = None, False

    def __call__(self):
        # Named as an eagerly started task is, whichever way it started.
        self.task = task = self.loop.create_task(self.coroutine, name=self.name)
        self.coroutine = None
        task.add_done_callback(self.settle)
        if self.cancelled:
            task.cancel()

    def cancel(self):
        self.cancelled = True
        task = self.task
        if task is not None:
            self.loop.call_soon_threadsafe(task.cancel)

def cancel_of(task):
    return functools.partial(task.get_loop().call_soon_threadsafe, task.cancel)

def run(awaitable, settle, main_loop_free, name):
    """Runs awaitable on the main thread's running loop (when free: its thread is not waiting in a
    blocking call), else on Promethean's, from the loop's thread; settle(task) when it ends (on
    the loop's thread). Returns the function that cancels it."""
    loop = main_loop
    if loop is None or not main_loop_free or loop.is_closed() or not loop.is_running():
        loop = _own()
    coroutine = awaitable if asyncio.iscoroutine(awaitable) else _awaited(awaitable)
    start = _Start(loop, coroutine, settle, name)
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
