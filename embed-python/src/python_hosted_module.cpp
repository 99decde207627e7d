// The Python-hosted mode's way in: `import promethean` in the user's own python3 loads this
// extension (promethean/_native), which makes the process's Host around the interpreter that is
// already running, and ends it when that interpreter's program ends.
//
// Python stays in charge of its process: it was initialised by its own python3 and finalises
// itself; its signal handlers stay its own; js, rust, sh and meta start on first use, as in every
// way in. The order at the end: Python joins its threads, runs its atexit handlers (the Host
// shuts down here: Node and the plugins stop while Python still runs, so JS timers still pending
// are dropped and buffers JS held are released), then finalises, which frees the buffers still
// held in Python objects; only then is the ledger checked (Py_AtExit).
#include "python_hosted_signals.hpp"
#include "python_interpreter.hpp"
#include "python_module.hpp"
#include "python_state.hpp"

#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/python/python_runtime.hpp>

#include <pybind11/pybind11.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <pthread.h>

namespace py = pybind11;

namespace promethean::python {
namespace {
host* g_host = nullptr;  ///< the process's Host in the hosted mode, from import to Python's atexit

/// The runtimes of the process: libpromethean's, with py the running interpreter (never the
/// runtime module, which would load a second libpython into this process).
host_options hosted_options() {
  host_options options;
  options.owns_process_signals = false;  // Python's, untouched
  options.factories = default_runtime_factories();
  const runtime_factory adopted{"py", make_adopted_python_runtime};
  auto py_factory = std::find_if(options.factories.begin(), options.factories.end(),
                                 [](const runtime_factory& f) { return f.name == "py"; });
  if (py_factory != options.factories.end()) {
    *py_factory = adopted;
  } else {
    options.factories.push_back(adopted);
  }
  return options;
}

/// Python's atexit (the GIL held, non-daemon threads joined): the Host shuts down with the GIL
/// given up, since its runtimes' threads may need it to end their work.
void shut_down_host() {
  host* h = g_host;
  if (h == nullptr) return;
  g_host = nullptr;
  stop_sigint_forwarding();
  // Buffers still held in Python objects are freed as Python finalises, after this: the leak
  // check waits for that (at_python_end).
  auto& ledger = ledger::instance();
  const bool abort_on_leak = ledger.abort_on_leak();
  ledger.set_abort_on_leak(false);
  Py_BEGIN_ALLOW_THREADS
  delete h;
  Py_END_ALLOW_THREADS
  ledger.set_abort_on_leak(abort_on_leak);
  drain_releases();  // what the runtimes that stopped after py gave back
}

/// Py_AtExit: the very end of Python's finalisation. Nothing may touch Python from here on; the
/// ledger is checked now that every Python object is gone (PROMETHEAN_LEAK_CHECK=1 aborts on a
/// leak, as the Host's own check does in the other ways in).
void at_python_end() {
  mark_adopted_finalized();
  ledger::instance().check_at_shutdown();
}

PyObject* make_hosted_module() {
  if (state().alive.load()) {
    // Inside `promethean run` the interpreter is the Host's, and `import promethean` is its
    // built-in module; this one would make a second Host.
    PyErr_SetString(PyExc_ImportError,
                    "promethean._native: this Python is already a Promethean host's (promethean run, libpromethean): "
                    "use its built-in module, `import promethean`");
    return nullptr;
  }
  py::object main_thread = py::module_::import("threading").attr("main_thread")();
  // pthread_self() as Python knows it: threading's ident is pthread_self() on Linux.
  state().main_thread = static_cast<pthread_t>(main_thread.attr("ident").cast<unsigned long>());
  auto h = std::make_unique<host>(hosted_options());
  // The script this python3 runs (python3 app.py, python3 -m pkg.app), when there is one: the
  // code it evaluates in other runtimes resolves its imports from its folder.
  py::object main_module = py::module_::import("__main__");
  if (py::hasattr(main_module, "__file__") && py::isinstance<py::str>(main_module.attr("__file__"))) {
    h->set_main_script(main_module.attr("__file__").cast<std::string>());
  }
  h->get("py");  // adopts the interpreter: the module's functions route through this Host from now on
  py::object module = py::reinterpret_steal<py::object>(make_module());
  if (!module) throw py::error_already_set();
  module.attr("_rewrap_sigint") = py::cpp_function(&rewrap_sigint);
  py::module_::import("atexit").attr("register")(py::cpp_function(&shut_down_host));
  if (Py_AtExit(&at_python_end) != 0) throw std::runtime_error("Py_AtExit: no room for the leak check");
  start_sigint_forwarding(*h);
  g_host = h.release();
  return module.release().ptr();
}
}  // namespace
}  // namespace promethean::python

// The extension's init, found by CPython's import machinery by its name (promethean._native).
extern "C" __attribute__((visibility("default"))) PyObject* PyInit__native() {
  return promethean::python::module_init("start promethean in this Python", &promethean::python::make_hosted_module);
}
