// builtins.compile() without its AST check (python_compile.hpp).
#include "python_compile.hpp"

namespace py = pybind11;

namespace promethean::python {

py::object compile_source(py::handle source, py::handle filename, int start) {
  PyCompilerFlags flags{};  // what _PyCompilerFlags_INIT spells as a C compound literal
  flags.cf_flags = 0;
  flags.cf_feature_version = PY_MINOR_VERSION;
  PyEval_MergeCompilerFlags(&flags);  // compile()'s dont_inherit=False: the calling frame's futures
  PyObject* copy = nullptr;
  // compile()'s own reading of its source: UTF-8 of a str (its coding cookie ignored), the bytes
  // as they are otherwise, and its errors, null bytes included, worded as this Python words them.
  const char* text = _Py_SourceAsString(source.ptr(), "compile", "string, bytes or AST", &flags, &copy);
  if (text == nullptr) throw py::error_already_set();
  PyObject* code = Py_CompileStringObject(text, filename.ptr(), start, &flags, -1);
  Py_XDECREF(copy);
  if (code == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(code);
}

}  // namespace promethean::python
