// The built-in `promethean` Python module: DESIGN.md's Python API, routing through the Host.
#include "python_module.hpp"

#include "python_awaitables.hpp"
#include "python_pool.hpp"
#include "python_conversion.hpp"
#include "python_errors.hpp"
#include "python_keyword_arguments.hpp"
#include "python_loaded_modules.hpp"
#include "python_name_resolution.hpp"
#include "python_foreign_function.hpp"
#include "python_frozen_code.hpp"
#include "python_state.hpp"
#include "without_gil.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <new>
#include <span>

namespace py = pybind11;

namespace promethean::python {

/// `timeout=` (seconds, None for none) as call options.
call_options timeout_options(py::handle timeout, const char* function) {
  call_options options;
  if (timeout.is_none()) return options;
  if (!PyFloat_Check(timeout.ptr()) && !PyLong_Check(timeout.ptr())) {
    throw py::type_error(std::string("promethean.") + function + ": timeout must be a number of seconds or None, got " +
                         py::str(py::type::handle_of(timeout).attr("__name__")).cast<std::string>());
  }
  const double seconds = timeout.cast<double>();
  if (!(seconds > 0) || seconds > 1e9) {
    throw py::value_error(std::string("promethean.") + function + ": timeout must be a positive number of seconds, got " +
                          py::str(timeout).cast<std::string>());
  }
  options.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  return options;
}

namespace {

/// The Host the module routes through; none after it shut down (a Python atexit handler that
/// runs after the hosted mode's, say): a clear error then.
host& the_host() {
  host* h = state().owner;
  if (h == nullptr) throw usage_error("promethean has shut down: no runtime can be called any more", "py");
  return *h;
}

/// Runs a host call with the GIL released (the callee may need it, or another runtime's lock),
/// turning promethean errors into promethean.ForeignError.
///
/// The rule for every function that routes: no Python reference it owns may be alive while it
/// waits (parameters are py::handle, borrowed; promethean.call parses its own arguments). A
/// daemon thread that comes back after Python began to finalise is ended by CPython with a
/// forced unwind, and a reference dropped during that unwind (a pybind11 caster's, the *args
/// tuple pybind11 builds) is a Py_DECREF without the GIL while the interpreter collects its
/// garbage: a crash at exit (ThreadingShutdown.TheCliExitsCleanlyWithWorkInFlightEveryTime).
template <class F>
auto route(F&& f) {
  try {
    return without_gil(std::forward<F>(f));
  } catch (const error& e) {
    raise_foreign(e);
  }
}

py::object eval_in(const std::string& rt, const std::string& code, py::handle timeout) {
  const call_options options = timeout_options(timeout, "eval");
  auto result = route([&] { return the_host().eval(rt, code, options).data; });
  return from_message(result);
}

/// A str argument of promethean.call as UTF-8, borrowed from the str object (no copy).
std::string_view text_argument(PyObject* o, const char* what) {
  if (!PyUnicode_Check(o)) {
    throw py::type_error(std::string("promethean.call: the ") + what + " must be a str, got " +
                         py::str(py::type::handle_of(o).attr("__name__")).cast<std::string>());
  }
  return utf8_view(o);
}

/// promethean.call's positional arguments as typed arguments (argument.hpp), when each is a plain
/// scalar of an exact type (None, a bool, an int that fits in 64 bits, a finite float, a str) or
/// a buffer (a numpy array, a bytearray, bytes, a DLPack exporter such as a torch.Tensor: adopted
/// into buffers[i]; crosses_as_a_buffer). Such a call builds no JSON array and its receiver reads none
/// (runtime::call_typed). False, with `out` partly filled and no Python error set, for anything
/// else: the JSON path then converts the arguments, and reports what cannot cross (a non-finite
/// float, a str with lone surrogates). The str's UTF-8 is the str's own (CPython keeps it with the
/// object), alive while the caller's arguments are.
bool typed_arguments(PyObject* const* args, std::size_t n, std::span<argument> out, std::span<buffer> buffers) {
  if (n > out.size() || n > buffers.size()) return false;
  for (std::size_t i = 0; i < n; ++i) {
    PyObject* p = args[i];
    if (p == Py_None) {
      out[i] = nullptr;
    } else if (p == Py_True || p == Py_False) {
      out[i] = p == Py_True;
    } else if (PyLong_CheckExact(p)) {
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
      if (overflow != 0) return false;
      out[i] = static_cast<std::int64_t>(v);
    } else if (PyFloat_CheckExact(p)) {
      const double v = PyFloat_AS_DOUBLE(p);
      if (!std::isfinite(v)) return false;
      out[i] = v;
    } else if (PyUnicode_CheckExact(p)) {
      try {
        out[i] = utf8_view(p);
      } catch (py::error_already_set&) {  // taken out of Python: none is left set
        return false;
      }
    } else if (crosses_as_a_buffer(p)) {
      buffers[i] = adopt(p);
      out[i] = buffers[i];
    } else {
      return false;
    }
  }
  return true;
}

/// promethean.call(runtime, function, *args, timeout=None, **kwargs), the entry every py → other runtime
/// call goes through, as a METH_FASTCALL function: it reads its arguments from the vector CPython
/// passes, where pybind11's dispatcher would pack *args into a tuple, copy both names into
/// std::strings and try each overload first (most of a microsecond per call).
PyObject* call_in(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  try {
    if (nargs < 2) {
      throw py::type_error("promethean.call(runtime, function, *args, timeout=None, **kwargs) takes a runtime and a function name, got " +
                           std::to_string(nargs) + " positional argument(s)");
    }
    PyObject* timeout = Py_None;  // borrowed, as every argument here (see route())
    py::object keywords;          // the other keyword arguments, for the callee (a promethean.kw)
    const Py_ssize_t nkw = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; ++i) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, i);
      if (PyUnicode_CompareWithASCIIString(key, "timeout") == 0) {
        timeout = args[nargs + i];
        continue;
      }
      if (!keywords) keywords = new_keyword_arguments();
      if (PyDict_SetItem(keywords.ptr(), key, args[nargs + i]) != 0) throw py::error_already_set();
    }
    const std::string_view rt = text_argument(args[0], "runtime");
    const std::string_view fn = text_argument(args[1], "function name");
    const call_options options = timeout_options(timeout, "call");
    std::vector<lent_handle> lent;
    PyObject* const* positional = args + 2;
    std::size_t count = static_cast<std::size_t>(nargs - 2);
    check_keyword_arguments_last(positional, count, "promethean.call");
    std::vector<PyObject*> with_keywords;
    if (keywords) {
      with_keywords = with_keyword_arguments(positional, count, keywords, "promethean.call");
      positional = with_keywords.data();
      count = with_keywords.size();
    }
    std::array<argument, 8> typed;
    std::array<buffer, 8> buffers;  // the typed arguments borrow the buffers adopted here
    if (!keywords && typed_arguments(positional, count, typed, buffers)) {
      const std::span<const argument> typed_args(typed.data(), count);
      const message result = route([&] { return the_host().call_typed(rt, fn, typed_args, options); });
      return from_message(result).release().ptr();
    }
    message call_args = arguments_to_message(positional, count, &lent);
    const message result = route([&] { return the_host().call(rt, fn, call_args, options); });
    give_back_handles(call_args, lent);  // the GIL is held again: the cache is touched under it only
    return from_message(result).release().ptr();
  } catch (...) {
    return python_error_from_current_exception();
  }
}

py::object export_fn(py::object fn, py::object name) {
  std::string key = name.is_none() ? py::str(fn.attr("__name__")).cast<std::string>() : name.cast<std::string>();
  state().exported[key] = fn;
  forget_route(key);  // the export takes precedence over what the name meant before
  return fn;
}

void load_in(const std::string& rt, const std::string& path) {
  route([&] {
    the_host().load(rt, path);
    return 0;
  });
}

py::object send_json(const std::string& rt, py::handle payload, py::handle timeout) {
  const call_options options = timeout_options(timeout, "send_json");
  message m = to_message(payload);
  auto reply = route([&] { return the_host().send_json(rt, m, options); });
  return from_message(reply);
}

py::object on_message(py::object fn) {
  state().message_handler = fn;
  return fn;
}

py::object alloc(std::vector<std::size_t> shape, py::object format, py::object type) {
  try {
    std::optional<dtype> f;
    if (!format.is_none()) f = parse_dtype(format.cast<std::string>());
    buffer b;
    if (!type.is_none()) {
      auto t = the_host().buffer_types().get(type.cast<std::string>());
      if (!f) f = t.format.value_or(dtype::float32);
      b = the_host().buffer_types().apply(buffer::allocate(*f, shape), t.name);
    } else {
      b = buffer::allocate(f.value_or(dtype::float32), shape);
    }
    return to_numpy(b);
  } catch (const error& e) {
    raise_foreign(e);
  }
}

void register_buffer_type(const std::string& name, std::vector<std::string> layout, py::object format,
                          std::map<std::string, std::size_t> fixed) {
  try {
    std::optional<std::string> f;
    if (!format.is_none()) f = format.cast<std::string>();
    the_host().buffer_types().add(buffer_type::make(name, layout, f ? std::optional<std::string_view>(*f) : std::nullopt, fixed));
  } catch (const error& e) {
    raise_foreign(e);
  }
}

/// JSON → plain Python values (dicts stay dicts: no handle is turned into an array here).
py::object plain(const nlohmann::json& j) { return module_named("json").attr("loads")(j.dump()); }

/// adopt() for the module's own functions: its refusals (a bool tensor, a dict) are the caller's
/// TypeError, as in a call's arguments; anything else is a ForeignError.
buffer adopted(py::handle x) {
  try {
    return adopt(x);
  } catch (const error& e) {
    if (e.runtime() == "py" && e.type() == "TypeError" && e.origin() == nullptr) throw py::type_error(e.message());
    raise_foreign(e);
  }
}

py::object buffer_info(py::object x) {
  const buffer b = adopted(x);
  try {
    return plain(buffer_info_json(b));
  } catch (const error& e) {
    raise_foreign(e);
  }
}

/// Registers `fn` as view `name` of buffer type `type`, computed here in py; returns `fn` so that
/// it also works as a decorator body.
py::object register_view(const std::string& type, const std::string& name, py::object fn) {
  if (!PyCallable_Check(fn.ptr())) {
    throw py::type_error("register_view: fn must be callable, got " + py::str(py::type::of(fn).attr("__name__")).cast<std::string>());
  }
  const std::string key = view_registry::function_name(type, name);
  state().exported[key] = fn;
  forget_route(key);
  route([&] {
    the_host().register_view(type, name, "py", key);
    return 0;
  });
  return fn;
}

py::object view(py::handle x, const std::string& name) {
  const buffer b = adopted(x);
  auto result = route([&] { return the_host().view(b, name); });
  return from_message(result);
}

py::object runtimes() { return plain(route([] { return the_host().dispatch_map(); })); }

}  // namespace

PyObject* make_module() {
  static PyModuleDef def{};
  py::module_ m = py::module_::create_extension_module(
      "promethean", "Promethean: call other runtimes and share buffers without copying.", &def);
  m.attr("__version__") = PROMETHEAN_VERSION_STRING;
  define_foreign_error(m);
  define_keyword_arguments(m);
  m.def("eval", &eval_in, py::arg("runtime"), py::arg("code"), py::kw_only(), py::arg("timeout") = py::none(),
        "Evaluate code in a runtime; returns its value. timeout=seconds stops it with a Timeout error.");
  static PyMethodDef call_def{"call", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&call_in)),
                              METH_FASTCALL | METH_KEYWORDS,
                              "call(runtime, function, *args, timeout=None, **kwargs)\n--\n\n"
                              "Call a function in a runtime with arguments. timeout=seconds stops it with a Timeout error;\n"
                              "other keyword arguments go to the function (a Python function's keywords, a JS function's\n"
                              "last object); promethean.kw(...) as the last argument passes one named timeout."};
  auto call_fn = py::reinterpret_steal<py::object>(PyCFunction_NewEx(&call_def, nullptr, m.attr("__name__").ptr()));
  if (!call_fn) throw py::error_already_set();
  m.add_object("call", call_fn);
  m.def("_export", &export_fn, py::arg("fn"), py::arg("name") = py::none());
  m.def("load", &load_in, py::arg("runtime"), py::arg("path"), "Load code or a plugin into a runtime.");
  m.def("send_json", &send_json, py::arg("runtime"), py::arg("payload"), py::kw_only(), py::arg("timeout") = py::none(),
        "Deliver a JSON message to a runtime's message handler; returns its reply.");
  m.def("on_message", &on_message, py::arg("fn"), "Register the handler for JSON messages sent to py.");
  m.def("alloc", &alloc, py::arg("shape"), py::arg("format") = py::none(), py::arg("type") = py::none(),
        "A new zero-filled host buffer as a numpy array (no copy crosses any runtime later).");
  m.def("register_buffer_type", &register_buffer_type, py::arg("name"), py::arg("layout"),
        py::arg("format") = py::none(), py::arg("fixed") = std::map<std::string, std::size_t>{},
        "Name a buffer layout, e.g. register_buffer_type('ImageRGB', ['height', 'width', 'channels'], 'uint8', {'channels': 3}).");
  m.def("buffer_info", &buffer_info, py::arg("x"), "The Buffer handle of an array (id, format, shape, strides, owner) plus its data address and nbytes.");
  m.def("register_view", &register_view, py::arg("type"), py::arg("name"), py::arg("fn"),
        "Make fn(buffer) the view `name` of buffers of `type`; any runtime's view(x, name) routes here.");
  m.def("view", &view, py::arg("x"), py::arg("name"),
        "The named view of a buffer, computed by the runtime that registered it (or that owns the buffer).");
  m.def("runtimes", &runtimes, "The dispatch map: every runtime with its version and entries.");
  run_frozen_code("module_helpers", m.attr("__dict__"));
  define_async_api(m);
  define_pool_api(m);
  // The type of another runtime's functions in Python, for isinstance (python_foreign_function.hpp).
  PyObject* foreign_function = foreign_function_type();
  if (foreign_function == nullptr) throw py::error_already_set();
  m.attr("ForeignFunction") = py::reinterpret_borrow<py::object>(foreign_function);
  // The public names: what `from promethean import *` imports.
  py::list public_names;
  for (py::handle name : m.attr("__dict__")) {
    if (!py::str(name).cast<std::string>().starts_with("_")) public_names.append(name);
  }
  if (PyList_Sort(public_names.ptr()) != 0) throw py::error_already_set();
  m.attr("__all__") = public_names;
  return m.release().ptr();
}

}  // namespace promethean::python

// The built-in module's init (the embedded mode's inittab entry).
extern "C" PyObject* promethean_python_module_init() {
  return promethean::python::module_init("initialise the promethean module", &promethean::python::make_module);
}
