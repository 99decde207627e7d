// threading's MainThread whichever thread imports it first (python_main_thread.hpp).
#include "python_main_thread.hpp"

#include "python_import_hook.hpp"

#include <pybind11/eval.h>
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace promethean::python {
namespace {

/// Run only when threading is first imported away from the main thread. CPython 3.11's threading:
/// _MainThread is made at import for the importing thread, keyed by its ident in _active, its
/// _tstate_lock that thread state's sentinel (released when the state is deleted), and listed in
/// _shutdown_locks, which finalisation waits on after releasing MainThread's own.
constexpr const char* k_adopt = R"(
def _stand_for_main_thread(threading, ident, native_id):
    import _thread
    main = threading._main_thread
    importer_lock = main._tstate_lock
    lock = _thread.allocate_lock()
    lock.acquire()  # released by threading._shutdown on the main thread, as the state's would be
    with threading._active_limbo_lock:
        threading._active.pop(main._ident, None)
        main._ident = ident
        main._native_id = native_id
        main._tstate_lock = lock
        threading._active[ident] = main
    with threading._shutdown_locks_lock:
        threading._shutdown_locks.discard(importer_lock)
        threading._shutdown_locks.add(lock)

def find_spec(name, ident, native_id):
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return spec
    run = spec.loader.exec_module
    def exec_module(module):
        run(module)
        _stand_for_main_thread(module, ident, native_id)
    spec.loader.exec_module = exec_module
    return spec
)";

unsigned long g_main_ident = 0;
unsigned long g_main_native_id = 0;

py::object on_threading_import(const py::str& name) {
  if (PyThread_get_thread_ident() == g_main_ident) return py::none();  // python3's own import
  py::dict scope;
  scope["__builtins__"] = py::module_::import("builtins");
  scope["__name__"] = "promethean._main_thread";
  py::exec(py::str(k_adopt), scope);
  return scope["find_spec"](name, g_main_ident, g_main_native_id);
}

}  // namespace

void keep_main_thread_for_threading() {
  if (py::dict(py::module_::import("sys").attr("modules")).contains("threading")) return;  // imported here already (site)
  g_main_ident = PyThread_get_thread_ident();
  g_main_native_id = PyThread_get_thread_native_id();
  on_first_import("threading", "_MainThreadHook", &on_threading_import);
}

}  // namespace promethean::python
