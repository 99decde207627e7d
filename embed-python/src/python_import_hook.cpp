// A finder for one module's first import (python_import_hook.hpp).
#include "python_import_hook.hpp"

#include "python_loaded_modules.hpp"

#include <memory>
#include <string>
#include <utility>

namespace py = pybind11;

namespace promethean::python {

void on_first_import(const char* module, const char* class_name, std::function<py::object(const py::str&)> on_import) {
  // The class, borrowed: sys.meta_path holds it while it is there, and the function it holds
  // must not hold it back (a cycle through C++ that no collector sees).
  auto finder = std::make_shared<PyObject*>(nullptr);
  py::cpp_function find_spec(
      [finder, watched = py::str(module), on_import = std::move(on_import)](const py::str& name, const py::object&,
                                                                           const py::object&) -> py::object {
        if (*finder == nullptr || !name.equal(watched)) return py::none();
        py::list path = module_named("sys").attr("meta_path");
        for (std::size_t i = 0; i < path.size(); ++i) {
          if (path[i].ptr() == *finder) {
            if (PySequence_DelItem(path.ptr(), static_cast<Py_ssize_t>(i)) != 0) throw py::error_already_set();
            break;
          }
        }
        *finder = nullptr;
        return on_import(name);
      },
      py::arg("name"), py::arg("path") = py::none(), py::arg("target") = py::none());
  py::dict members;
  PyObject* method = PyStaticMethod_New(find_spec.ptr());
  if (method == nullptr) throw py::error_already_set();
  members["find_spec"] = py::reinterpret_steal<py::object>(method);
  members["__module__"] = "promethean";
  members["__doc__"] = "Runs promethean's set-up for " + std::string(module) + " at its first import, then leaves sys.meta_path.";
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(class_name, py::tuple(), members);
  module_named("sys").attr("meta_path").attr("insert")(0, cls);
  *finder = cls.ptr();
}

}  // namespace promethean::python
