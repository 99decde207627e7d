// Keyword arguments in Python: promethean.kw and calls that take them (python_keyword_arguments.hpp).
#include "python_keyword_arguments.hpp"

#include "python_frozen_code.hpp"
#include "python_state.hpp"

#include <string>
#include <vector>

namespace py = pybind11;

namespace promethean::python {

void define_keyword_arguments(py::module_& m) {
  py::dict scope;
  run_frozen_code("keyword_arguments", scope);
  py::object cls = scope["kw"];
  cls.attr("__module__") = "promethean";
  m.attr("kw") = cls;
  state().keyword_arguments_type = cls;
}

bool is_keyword_arguments(PyObject* o) {
  return Py_TYPE(o) == reinterpret_cast<PyTypeObject*>(state().keyword_arguments_type.ptr());
}

py::dict new_keyword_arguments() {
  PyObject* made = PyObject_CallNoArgs(state().keyword_arguments_type.ptr());
  if (made == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::dict>(made);
}

py::object call_with_keyword_arguments(PyObject* fn, PyObject* const* argv, std::size_t n) {
  PyObject* keywords = argv[n - 1];
  const std::size_t positional = n - 1;
  const auto count = static_cast<std::size_t>(PyDict_GET_SIZE(keywords));
  std::vector<PyObject*> all(argv, argv + positional);
  all.reserve(positional + count);
  py::tuple names(count);
  Py_ssize_t at = 0;
  PyObject *key, *value;
  std::size_t i = 0;
  while (PyDict_Next(keywords, &at, &key, &value)) {
    if (!PyUnicode_Check(key)) {
      throw py::type_error("keyword argument names are str, got " + std::string(Py_TYPE(key)->tp_name));
    }
    names[i++] = py::reinterpret_borrow<py::object>(key);
    all.push_back(value);
  }
  auto result = py::reinterpret_steal<py::object>(
      PyObject_Vectorcall(fn, all.data(), positional, count == 0 ? nullptr : names.ptr()));
  if (!result) throw py::error_already_set();
  return result;
}

void check_keyword_arguments_last(PyObject* const* args, std::size_t n, const char* what) {
  auto* type = reinterpret_cast<PyTypeObject*>(state().keyword_arguments_type.ptr());
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (Py_TYPE(args[i]) == type) {
      throw py::type_error(std::string(what) + ": promethean.kw(...) must be the last argument (it is argument " +
                           std::to_string(i + 1) + " of " + std::to_string(n) + ")");
    }
  }
}

std::vector<PyObject*> with_keyword_arguments(PyObject* const* args, std::size_t n, const py::object& keywords,
                                              const char* what) {
  std::size_t positional = n;
  if (n > 0 && is_keyword_arguments(args[n - 1])) {
    --positional;
    PyObject *key, *value;
    Py_ssize_t at = 0;
    while (PyDict_Next(args[n - 1], &at, &key, &value)) {
      if (PyDict_Contains(keywords.ptr(), key) == 1) {
        throw py::type_error(std::string(what) + ": keyword argument " + py::repr(key).cast<std::string>() +
                             " given twice (in promethean.kw and as a keyword)");
      }
      if (PyDict_SetItem(keywords.ptr(), key, value) != 0) throw py::error_already_set();
    }
  }
  std::vector<PyObject*> out(args, args + positional);
  out.push_back(keywords.ptr());
  return out;
}

}  // namespace promethean::python
