// Python exceptions ↔ the promethean error family.
#include "python_errors.hpp"

#include "python_frozen_code.hpp"
#include "python_loaded_modules.hpp"
#include "python_state.hpp"

#include <pthread.h>

#include <csignal>
#include <memory>
#include <new>

namespace py = pybind11;

namespace promethean::python {
namespace {
py::object& foreign_error_type() {
  static py::object* type = nullptr;  // owned by the promethean module; lives until finalize
  if (type == nullptr) type = new py::object();
  return *type;
}

py::object& foreign_traceback_type() {
  static py::object* type = nullptr;  // as above
  if (type == nullptr) type = new py::object();
  return *type;
}

/// A Python exception an error began as (error_origin): raised again, itself, when the error comes
/// back to Python.
struct python_origin final : error_origin {
  held_object exception;
  explicit python_origin(py::handle exc) : exception(exc) {}
  const char* runtime() const noexcept override { return "py"; }
};

/// The origin a ForeignError carries (the error it stands for began in another runtime), in a
/// capsule attribute, so that it goes on with the error when the ForeignError leaves Python.
constexpr const char* k_origin_attribute = "_promethean_origin";
constexpr const char* k_origin_capsule = "promethean.error_origin";

py::capsule origin_capsule(const std::shared_ptr<const error_origin>& origin) {
  return py::capsule(new std::shared_ptr<const error_origin>(origin), k_origin_capsule, [](PyObject* capsule) {
    delete static_cast<std::shared_ptr<const error_origin>*>(PyCapsule_GetPointer(capsule, k_origin_capsule));
  });
}

std::shared_ptr<const error_origin> origin_of(py::handle foreign_error) {
  py::object capsule = py::getattr(foreign_error, k_origin_attribute, py::none());
  if (!PyCapsule_IsValid(capsule.ptr(), k_origin_capsule)) return nullptr;
  return *static_cast<std::shared_ptr<const error_origin>*>(PyCapsule_GetPointer(capsule.ptr(), k_origin_capsule));
}

/// The Python exception `e` began as, when it began in Python.
const python_origin* python_origin_of(const error& e) {
  if (!e.origin() || std::string_view(e.origin()->runtime()) != "py") return nullptr;
  return dynamic_cast<const python_origin*>(e.origin().get());
}
}  // namespace

void define_foreign_error(py::module_& m) {
  py::dict scope;
  run_frozen_code("foreign_errors", scope);
  py::object cls = scope["ForeignError"];
  cls.attr("__module__") = "promethean";
  m.attr("ForeignError") = cls;
  foreign_error_type() = cls;
  py::object traceback = scope["ForeignTraceback"];
  traceback.attr("__module__") = "promethean";
  m.attr("ForeignTraceback") = traceback;
  foreign_traceback_type() = traceback;
  py::object timeout = scope["TimeoutError"];
  timeout.attr("__module__") = "promethean";
  m.attr("TimeoutError") = timeout;
  timeout_error_type() = timeout;
}

py::object& timeout_error_type() {
  static py::object* type = nullptr;  // owned by the promethean module; lives until finalize
  if (type == nullptr) type = new py::object();
  return *type;
}

namespace {
/// sys.exit(n) or sys.exit(): the code asks the host to exit, with python3's status (None 0, an
/// int modulo 256); an exit_error, so that `promethean eval py 'sys.exit(4)'` exits 4 as
/// `python3 -c` does and meta's try lets it pass. Any other code (a message) stays an error.
void throw_if_exit(const py::object& type, const py::object& value) {
  if (!type || !value || !PyErr_GivenExceptionMatches(type.ptr(), PyExc_SystemExit)) return;
  py::object code = value.attr("code");
  if (code.is_none()) throw exit_error("py", 0);
  if (!PyLong_Check(code.ptr())) return;
  const long status = PyLong_AsLong(code.ptr());
  if (status == -1 && PyErr_Occurred()) PyErr_Clear();  // too big: -1, as python3 reads it
  throw exit_error("py", static_cast<int>(status & 0xff));
}
}  // namespace

void throw_from_python(py::error_already_set& e) {
  py::object type = e.type(), value = e.value(), tb = e.trace();
  throw_if_exit(type, value);
  std::string trace;
  try {
    py::object lines = module_named("traceback").attr("format_exception")(type, value, tb);
    trace = py::str("").attr("join")(lines).cast<std::string>();
  } catch (...) {
    trace = e.what();
  }
  if (foreign_error_type() && value && py::isinstance(value, foreign_error_type())) {
    auto text = [&](const char* attr) { return py::str(value.attr(attr)).cast<std::string>(); };
    std::string inner = text("trace");
    error passed_on(text("runtime"), text("type"), text("message"), inner.empty() ? trace : inner + "\n" + trace);
    passed_on.set_origin(origin_of(value));  // what it began as goes on with it
    throw passed_on;
  }
  std::string type_name = type ? py::str(type.attr("__name__")).cast<std::string>() : "Exception";
  std::string message = value ? py::str(value).cast<std::string>() : std::string();
  python_error raised(type_name, message, trace);
  if (value) {
    PyObject* had = PyException_GetTraceback(value.ptr());  // a new reference, or null
    if (had == nullptr && tb) PyException_SetTraceback(value.ptr(), tb.ptr());
    Py_XDECREF(had);
    // The exception is kept while the error lives, which another runtime's garbage collector may
    // decide (a JS ForeignError): its frames, all finished, keep their places but let their local
    // variables go, so that a big array in one is not held by an error object nobody frees.
    if (auto frames = py::reinterpret_steal<py::object>(PyException_GetTraceback(value.ptr()))) {
      try {
        module_named("traceback").attr("clear_frames")(frames);
      } catch (py::error_already_set&) {
        // nothing lost: the locals are merely kept
      }
    }
    raised.set_origin(std::make_shared<python_origin>(value));
  }
  throw raised;
}

PyObject* python_error_from_current_exception() {
  try {
    throw;
  } catch (pybind11::error_already_set& e) {
    e.restore();
  } catch (pybind11::builtin_exception& e) {
    e.set_error();
  } catch (const error& e) {
    if (e.runtime() == "py" && e.type() == "TypeError" && python_origin_of(e) == nullptr) {
      PyErr_SetString(PyExc_TypeError, e.message().c_str());
    } else {
      try {
        raise_foreign(e);
      } catch (pybind11::error_already_set& raised) {
        raised.restore();
      }
    }
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

void raise_foreign(const error& e) {
  // A signal that came while the call was away (Ctrl-C in the hosted mode, which also stopped the
  // call) is Python's to report, as python3 would: its handler's exception (KeyboardInterrupt)
  // instead of the error of the call it cut short. Only the main thread runs handlers.
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  // The signal may have been seen already, by Python code the cancelled call ran (py -> js -> py:
  // a KeyboardInterrupt in the inner Python, which the JS call turned into its error). The call
  // back in the main thread, cancelled by that Ctrl-C, still ends as Python's handler says.
  if (e.type() == "Interrupted" && pthread_equal(pthread_self(), state().main_thread) != 0 &&
      state().calls_cancelled_by_sigint.exchange(false, std::memory_order_acq_rel)) {
    PyErr_SetInterruptEx(SIGINT);
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
  if (const python_origin* began = python_origin_of(e)) {
    // A Python exception back from its trip: the very object, with the traceback it was raised
    // with (the frames it goes through from here are added to it, as to any exception).
    PyObject* exc = began->exception.object;
    PyObject* type = reinterpret_cast<PyObject*>(Py_TYPE(exc));
    Py_INCREF(type);
    Py_INCREF(exc);
    PyErr_Restore(type, exc, PyException_GetTraceback(exc));
    throw py::error_already_set();
  }
  // Made without running ForeignError.__init__ (Python code: a signal handled there would show a
  // frame of ours in the user's traceback): BaseException.__new__, then what __init__ would set.
  py::object err = foreign_error_type().attr("__new__")(foreign_error_type());
  err.attr("args") = py::make_tuple(e.runtime() + " " + e.type() + ": " + e.message());
  err.attr("runtime") = e.runtime();
  err.attr("type") = e.type();
  err.attr("message") = e.message();
  err.attr("trace") = e.trace();
  if (e.origin()) err.attr(k_origin_attribute) = origin_capsule(e.origin());
  if (!e.trace().empty() && foreign_traceback_type()) {
    // Printed above the ForeignError as its cause, as the runtime that raised it prints it.
    py::object cause = foreign_traceback_type()(e.trace());
    PyException_SetCause(err.ptr(), cause.release().ptr());  // steals the reference; sets __suppress_context__
  }
  PyErr_SetObject(foreign_error_type().ptr(), err.ptr());
  throw py::error_already_set();
}

}  // namespace promethean::python
