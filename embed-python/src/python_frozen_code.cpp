// Running the Python code compiled at build time (python_frozen_code.hpp).
#include "python_frozen_code.hpp"

#include <marshal.h>

#include <stdexcept>
#include <string>

namespace py = pybind11;

namespace promethean::python {

py::object frozen_code_object(const frozen_code& entry, bool from_source) {
  py::object code;
  if (!from_source && PyImport_GetMagicNumber() == k_frozen_magic) {
    code = py::reinterpret_steal<py::object>(
        PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(entry.code), static_cast<Py_ssize_t>(entry.code_size)));
  } else {
    const std::string filename = "<promethean " + std::string(entry.name) + ">";
    code = py::reinterpret_steal<py::object>(Py_CompileString(entry.source, filename.c_str(), Py_file_input));
  }
  if (!code) throw py::error_already_set();
  return code;
}

void run_frozen_code(std::string_view name, const py::dict& scope) {
  const frozen_code* entry = nullptr;
  for (std::size_t i = 0; i < k_frozen_code_count && entry == nullptr; ++i) {
    if (name == k_frozen_code[i].name) entry = &k_frozen_code[i];
  }
  if (entry == nullptr) throw std::logic_error("no frozen Python code named " + std::string(name));
  if (!scope.contains("__builtins__")) scope["__builtins__"] = py::reinterpret_borrow<py::object>(PyEval_GetBuiltins());
  const py::object code = frozen_code_object(*entry, false);
  py::object done = py::reinterpret_steal<py::object>(PyEval_EvalCode(code.ptr(), scope.ptr(), scope.ptr()));
  if (!done) throw py::error_already_set();
}

}  // namespace promethean::python
