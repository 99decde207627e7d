// The eager start of a coroutine on Promethean's own loop (python_eager_start.hpp).
#include "python_eager_start.hpp"

#include <string>

namespace py = pybind11;

namespace promethean::python {
namespace {

// The order of the `own_eager` tuple the support code makes with the loop.
enum part : Py_ssize_t {
  k_loop,
  k_selector,
  k_gate_acquire,
  k_gate_release,
  k_ready,             // the loop's deque of handles to run
  k_ready_pop,         // its pop
  k_timers,            // the loop's heap of timer handles
  k_write_to_self,     // wakes the loop's thread out of select()
  k_task_type,         // asyncio.Task
  k_get_running_loop,  // asyncio._get_running_loop
  k_set_running_loop,  // asyncio._set_running_loop
  k_current_task,      // asyncio.current_task
  k_task_keywords,     // ("loop", "name"): the keywords Task is called with
  k_waiting,           // the names of the attributes read on every call, interned once
  k_debug,
  k_context,
  k_callback,
  k_done,
  k_part_count
};

PyObject* call(PyObject* fn) {
  PyObject* r = PyObject_CallNoArgs(fn);
  if (r == nullptr) throw py::error_already_set();
  return r;
}

py::object call_one(PyObject* fn, PyObject* arg) {
  PyObject* r = PyObject_CallOneArg(fn, arg);
  if (r == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

Py_ssize_t length(PyObject* o) {
  Py_ssize_t n = PyObject_Length(o);
  if (n < 0) throw py::error_already_set();
  return n;
}

bool truth(PyObject* o) {
  int t = PyObject_IsTrue(o);
  if (t < 0) throw py::error_already_set();
  return t != 0;
}

py::object attribute(PyObject* o, PyObject* name) {
  PyObject* a = PyObject_GetAttr(o, name);
  if (a == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(a);
}

/// Calls `fn(arg)` on the way out, whatever happens, keeping an error already raised.
class on_exit {
 public:
  on_exit(PyObject* fn, PyObject* arg) : fn_(fn), arg_(arg) {}
  on_exit(const on_exit&) = delete;
  on_exit& operator=(const on_exit&) = delete;
  ~on_exit() {
    PyObject *type, *value, *trace;
    PyErr_Fetch(&type, &value, &trace);
    PyObject* r = arg_ == nullptr ? PyObject_CallNoArgs(fn_) : PyObject_CallOneArg(fn_, arg_);
    if (r == nullptr) PyErr_WriteUnraisable(fn_);  // a lock we hold, a setter of ours: cannot fail
    Py_XDECREF(r);
    PyErr_Restore(type, value, trace);
  }

 private:
  PyObject* fn_;
  PyObject* arg_;
};

}  // namespace

py::object start_eagerly(py::handle coroutine, const std::string& name, const py::dict& support, bool main_loop_free) {
  if (!PyCoro_CheckExact(coroutine.ptr())) return {};
  PyObject* parts = PyDict_GetItemString(support.ptr(), "own_eager");  // borrowed
  if (parts == nullptr || !PyTuple_Check(parts) || PyTuple_GET_SIZE(parts) != k_part_count) return {};
  auto at = [parts](part p) { return PyTuple_GET_ITEM(parts, p); };
  PyObject* loop = at(k_loop);

  if (PyObject* main = PyDict_GetItemString(support.ptr(), "main_loop"); main_loop_free && main != nullptr &&
                                                                          main != Py_None && main != loop) {
    py::object running = py::reinterpret_borrow<py::object>(main).attr("is_running")();
    if (truth(running.ptr())) return {};  // the main thread's loop takes it (python_coroutines.hpp)
  }

  if (!truth(call_one(at(k_gate_acquire), Py_False).ptr())) return {};  // another thread starts one
  on_exit open_gate(at(k_gate_release), nullptr);
  PyObject* ready = at(k_ready);
  if (!truth(attribute(at(k_selector), at(k_waiting)).ptr()) || length(ready) != 0 ||
      truth(attribute(loop, at(k_debug)).ptr())) {
    return {};
  }
  if (py::reinterpret_steal<py::object>(call(at(k_get_running_loop))).ptr() != Py_None) return {};
  if (call_one(at(k_current_task), loop).ptr() != Py_None) return {};

  const Py_ssize_t timers = length(at(k_timers));
  py::object task;
  {
    call_one(at(k_set_running_loop), loop);
    on_exit leave_loop(at(k_set_running_loop), Py_None);
    // Task(coroutine, loop=loop, name=name) asks the loop's call_soon for its first step: that
    // handle, the only one in `ready`, is taken back and run here, in the task's context (what
    // Handle._run does; the step catches what the coroutine raises).
    py::str task_name(name);
    PyObject* args[] = {coroutine.ptr(), loop, task_name.ptr()};
    task = py::reinterpret_steal<py::object>(PyObject_Vectorcall(at(k_task_type), args, 1, at(k_task_keywords)));
    if (!task) throw py::error_already_set();
    if (length(ready) != 1) {  // not how this loop starts its tasks: its own thread does it
      py::reinterpret_steal<py::object>(call(at(k_write_to_self)));
      return task;
    }
    py::object handle = py::reinterpret_steal<py::object>(call(at(k_ready_pop)));
    py::object context = attribute(handle.ptr(), at(k_context));
    py::object step = attribute(handle.ptr(), at(k_callback));
    if (PyContext_Enter(context.ptr()) != 0) throw py::error_already_set();
    auto stepped = py::reinterpret_steal<py::object>(PyObject_CallNoArgs(step.ptr()));
    const int exited = PyContext_Exit(context.ptr());
    if (!stepped || exited != 0) throw py::error_already_set();
  }
  // The step may have left work for the loop (the task's next step, a timer, a callback): its
  // thread must not sleep through it.
  py::object done = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(task.ptr(), at(k_done)));
  if (!done) throw py::error_already_set();
  if (!truth(done.ptr()) || length(ready) != 0 || length(at(k_timers)) != timers) {
    py::reinterpret_steal<py::object>(call(at(k_write_to_self)));
  }
  return task;
}

}  // namespace promethean::python
