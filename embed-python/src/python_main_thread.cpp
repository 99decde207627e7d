// threading's MainThread whichever thread imports it first (python_main_thread.hpp).
#include "python_main_thread.hpp"

#include "python_frozen_code.hpp"
#include "python_import_hook.hpp"

#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace promethean::python {
namespace {

unsigned long g_main_ident = 0;
unsigned long g_main_native_id = 0;

py::object on_threading_import(const py::str& name) {
  if (PyThread_get_thread_ident() == g_main_ident) return py::none();  // python3's own import
  py::dict scope;
  scope["__name__"] = "promethean._main_thread";
  run_frozen_code("main_thread_hook", scope);
  return scope["find_spec"](name, g_main_ident, g_main_native_id);
}

}  // namespace

void keep_main_thread_for_threading() {
  if (py::reinterpret_borrow<py::dict>(PyImport_GetModuleDict()).contains("threading")) return;  // imported here already (site)
  g_main_ident = PyThread_get_thread_ident();
  g_main_native_id = PyThread_get_thread_native_id();
  on_first_import("threading", "_MainThreadHook", &on_threading_import);
}

}  // namespace promethean::python
