// The built-in `promethean` Python module: DESIGN.md's Python API, routing through the Host.
#include "python_conversion.hpp"
#include "python_errors.hpp"
#include "python_state.hpp"
#include "without_gil.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <pybind11/eval.h>
#include <pybind11/stl.h>

#include <cmath>

namespace py = pybind11;

namespace promethean::python {
namespace {

host& the_host() { return *state().owner; }

/// Runs a host call with the GIL released (the callee may need it, or another runtime's lock),
/// turning promethean errors into promethean.ForeignError.
template <class F>
auto route(F&& f) {
  try {
    return without_gil(std::forward<F>(f));
  } catch (const error& e) {
    raise_foreign(e);
  }
}

/// `timeout=` (seconds, None for none) as call options.
call_options options_with(const py::object& timeout, const char* function) {
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

py::object eval_in(const std::string& rt, const std::string& code, py::object timeout) {
  const call_options options = options_with(timeout, "eval");
  auto result = route([&] { return the_host().eval(rt, code, options).data; });
  return from_message(result);
}

py::object call_in(const std::string& rt, const std::string& fn, py::args args, py::object timeout) {
  const call_options options = options_with(timeout, "call");
  message call_args = to_message(args);
  auto result = route([&] { return the_host().call(rt, fn, call_args, options); });
  return from_message(result);
}

py::object export_fn(py::object fn, py::object name) {
  std::string key = name.is_none() ? py::str(fn.attr("__name__")).cast<std::string>() : name.cast<std::string>();
  state().exported[key] = fn;
  return fn;
}

void load_in(const std::string& rt, const std::string& path) {
  route([&] {
    the_host().load(rt, path);
    return 0;
  });
}

py::object send_json(const std::string& rt, py::object payload, py::object timeout) {
  const call_options options = options_with(timeout, "send_json");
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
py::object plain(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

py::object buffer_info(py::object x) {
  try {
    return plain(buffer_info_json(adopt(x)));
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
  route([&] {
    the_host().register_view(type, name, "py", key);
    return 0;
  });
  return fn;
}

py::object view(py::object x, const std::string& name) {
  buffer b;
  try {
    b = adopt(x);
  } catch (const error& e) {
    raise_foreign(e);
  }
  auto result = route([&] { return the_host().view(b, name); });
  return from_message(result);
}

py::object runtimes() { return plain(route([] { return the_host().dispatch_map(); })); }

}  // namespace

PyObject* make_module() {
  static PyModuleDef def{};
  py::module_ m = py::module_::create_extension_module(
      "promethean", "Promethean: call other runtimes and share buffers without copying.", &def);
  define_foreign_error(m);
  m.def("eval", &eval_in, py::arg("runtime"), py::arg("code"), py::kw_only(), py::arg("timeout") = py::none(),
        "Evaluate code in a runtime; returns its value. timeout=seconds stops it with a Timeout error.");
  m.def("call", &call_in, py::arg("runtime"), py::arg("function"), py::kw_only(), py::arg("timeout") = py::none(),
        "Call a function in a runtime with arguments. timeout=seconds stops it with a Timeout error.");
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
  py::exec(R"(
def export(fn=None, name=None):
    """Make a Python function callable from other runtimes by name: @export, @export(name="x"),
    or export(fn, "x")."""
    if fn is None:
        return lambda f: _export(f, name)
    if isinstance(fn, str) and name is None:
        return lambda f: _export(f, fn)
    return _export(fn, name)
)", m.attr("__dict__"));
  return m.release().ptr();
}

}  // namespace promethean::python

extern "C" PyObject* promethean_python_module_init() {
  try {
    return promethean::python::make_module();
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  }
}
