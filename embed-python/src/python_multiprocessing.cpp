// multiprocessing's start method and executable inside the host (python_multiprocessing.hpp).
#include "python_multiprocessing.hpp"

#include "python_frozen_code.hpp"
#include "python_import_hook.hpp"

#include <promethean/host/runtime_module.hpp>

#include <pybind11/stl.h>

#include <filesystem>
#include <string>
#include <vector>

namespace py = pybind11;

namespace promethean::python {
namespace {
/// Where a `promethean` command may be beside libpromethean: the same directory (the build tree,
/// or a program that ships both together), then ../bin (an installed prefix: lib/ and bin/).
std::vector<std::string> commands_beside_library() {
  const auto dir = core_library_directory();
  if (dir.empty()) return {};
  return {(dir / "promethean").string(), (dir.parent_path() / "bin" / "promethean").string()};
}

/// The hook's Python code (py/multiprocessing_hook.py), run when multiprocessing is first
/// imported: a start that never imports it runs none of it.
py::dict hook_code() {
  py::dict scope;
  scope["__name__"] = "promethean._multiprocessing";
  run_frozen_code("multiprocessing_hook", scope);
  return scope;
}
}  // namespace

void install_multiprocessing_hook() {
  auto modules = py::reinterpret_borrow<py::dict>(PyImport_GetModuleDict());
  if (modules.contains("multiprocessing")) {
    hook_code()["_configure"](modules["multiprocessing"], commands_beside_library());
    return;
  }
  on_first_import("multiprocessing", "_MultiprocessingHook", [](const py::str& name) {
    return hook_code()["find_spec"](name, commands_beside_library());
  });
}

}  // namespace promethean::python
