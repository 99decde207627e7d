// Modules already imported, found with one dict lookup (python_loaded_modules.hpp).
#include "python_loaded_modules.hpp"

namespace py = pybind11;

namespace promethean::python {
PyObject* interned(const char* text) {
  PyObject* s = PyUnicode_InternFromString(text);
  if (s == nullptr) throw py::error_already_set();
  return s;
}

namespace {

/// `obj.name`, or null without an error when it has no such attribute (a new reference); -1 on
/// another error. No AttributeError is made for objects with the generic attribute lookup.
int optional_attribute(PyObject* obj, PyObject* name, PyObject** value) {
#if PY_VERSION_HEX >= 0x030D0000
  return PyObject_GetOptionalAttr(obj, name, value);
#else
  return _PyObject_LookupAttr(obj, name, value);
#endif
}

/// Whether another thread is importing `module` (its spec's `_initializing` is true), asked as
/// import_ensure_initialized asks, without the exceptions.
bool being_imported(PyObject* module) {
  static PyObject* const k_spec = interned("__spec__");
  static PyObject* const k_initializing = interned("_initializing");
  PyObject* spec = nullptr;
  if (optional_attribute(module, k_spec, &spec) < 0) throw py::error_already_set();
  if (spec == nullptr || spec == Py_None) {
    Py_XDECREF(spec);
    return false;
  }
  PyObject* value = nullptr;
  const int found = optional_attribute(spec, k_initializing, &value);
  Py_DECREF(spec);
  if (found < 0) throw py::error_already_set();
  if (value == nullptr) return false;
  const int initializing = PyObject_IsTrue(value);
  Py_DECREF(value);
  if (initializing < 0) throw py::error_already_set();
  return initializing != 0;
}

}  // namespace

py::object loaded_module(py::handle name) {
  PyObject* module = PyDict_GetItemWithError(PyImport_GetModuleDict(), name.ptr());  // borrowed
  if (module == nullptr) {
    if (PyErr_Occurred() != nullptr) throw py::error_already_set();
    return {};
  }
  // None in sys.modules (an import blocked on purpose) is returned as it is, as PyImport_GetModule does.
  if (module == Py_None || !being_imported(module)) return py::reinterpret_borrow<py::object>(module);
  // Another thread is importing it: PyImport_GetModule waits for that import to end.
  auto waited = py::reinterpret_steal<py::object>(PyImport_GetModule(name.ptr()));
  if (!waited && PyErr_Occurred() != nullptr) throw py::error_already_set();
  return waited;
}

py::object module_named(std::string_view name) {
  const py::str key(name.data(), name.size());
  if (py::object module = loaded_module(key); module && !module.is_none()) return module;
  auto imported = py::reinterpret_steal<py::object>(PyImport_Import(key.ptr()));
  if (!imported) throw py::error_already_set();
  return imported;
}

py::dict main_dict() {
  // __main__ is never being imported by another thread: one dict lookup, as PyImport_AddModule makes.
  static PyObject* const k_main = interned("__main__");
  auto main = py::reinterpret_borrow<py::object>(PyDict_GetItemWithError(PyImport_GetModuleDict(), k_main));
  if (!main && PyErr_Occurred() != nullptr) throw py::error_already_set();
  if (!main) main = module_named("__main__");
  if (PyModule_Check(main.ptr())) return py::reinterpret_borrow<py::dict>(PyModule_GetDict(main.ptr()));
  return main.attr("__dict__");  // something else put in sys.modules: its namespace, as before
}

}  // namespace promethean::python
