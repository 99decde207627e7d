// multiprocessing's start method and executable inside the host (python_multiprocessing.hpp).
#include "python_multiprocessing.hpp"

#include <promethean/host/runtime_module.hpp>

#include <pybind11/eval.h>
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

constexpr const char* k_hook = R"(
import sys

def _promethean_command(beside):
    """The `promethean` command that children run: $PROMETHEAN (the CLI sets it to itself), else
    one beside libpromethean; None when there is none."""
    import os
    for candidate in [os.environ.get("PROMETHEAN")] + beside:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None

def _configure(mp, beside):
    import os
    from multiprocessing import context, spawn
    # 'spawn' by default (a script may still choose another, or set_start_method as usual).
    default = context._default_context
    if getattr(default, "_actual_context", None) is None and "spawn" in context._concrete_contexts:
        default._default_context = context._concrete_contexts["spawn"]
    python_default = spawn.get_executable
    def get_executable():
        chosen = python_default()
        if os.fsdecode(chosen) != sys.executable:
            return chosen  # set_executable() was called: the script knows best
        command = _promethean_command(beside)
        if command is None:
            raise RuntimeError(
                "multiprocessing cannot start a child process here: its children must be promethean "
                "hosts (so that 'import promethean' works in them), and no promethean command was "
                "found ($PROMETHEAN is not set; looked beside libpromethean in " + ", ".join(beside) +
                "). Set PROMETHEAN to the promethean binary, or call "
                "multiprocessing.set_executable() for Python-only workers.")
        return os.fsencode(command)  # as set_executable() stores it
    spawn.get_executable = get_executable

class _MultiprocessingHook:
    """Configures multiprocessing when it is first imported, then leaves sys.meta_path."""
    def __init__(self, beside):
        self.beside = beside
    def find_spec(self, name, path=None, target=None):
        if name != "multiprocessing":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader, beside = spec.loader, self.beside
        run = loader.exec_module
        def exec_module(module):
            run(module)
            _configure(module, beside)
        loader.exec_module = exec_module
        return spec

def install(beside):
    if "multiprocessing" in sys.modules:
        _configure(sys.modules["multiprocessing"], beside)
    else:
        sys.meta_path.insert(0, _MultiprocessingHook(beside))
)";
}  // namespace

void install_multiprocessing_hook() {
  py::dict scope;
  scope["__builtins__"] = py::module_::import("builtins");
  scope["__name__"] = "promethean._multiprocessing";
  py::exec(k_hook, scope);
  scope["install"](commands_beside_library());
}

}  // namespace promethean::python
