// Python's signal.getsignal as python3 reports it in embedded mode (python_signal_dispositions.hpp).
#include "python_signal_dispositions.hpp"

#include <Python.h>

#include <csignal>
// (_signal, not signal, below: the same functions without signal.py's enum import, 8 ms at every start.)

namespace promethean::python {

namespace {
/// The host's handlers as Python started (SIGINT, SIGTERM). Written once, before any Python code
/// runs, read by restore_host_handler with the GIL held.
struct host_handler {
  int signo;
  struct sigaction action;
  bool is_function;  ///< a handler, not SIG_DFL / SIG_IGN: the host's (or an embedder's) own
};
host_handler g_host_handlers[] = {{SIGINT, {}, false}, {SIGTERM, {}, false}};

/// `_restore_host_handler(signo)`: puts the host's process-level handler for `signo` back.
PyObject* restore_host_handler(PyObject* /*self*/, PyObject* arg) {
  const long signo = PyLong_AsLong(arg);
  if (signo == -1 && PyErr_Occurred()) return nullptr;
  for (const host_handler& h : g_host_handlers) {
    if (h.signo == signo && h.is_function) ::sigaction(h.signo, &h.action, nullptr);
  }
  Py_RETURN_NONE;
}

PyMethodDef g_restore_def{"_restore_host_handler", &restore_host_handler, METH_O,
                          "Puts the host's process-level handler for a signal back."};

/// Sets the table as python3 has it, then wraps _signal.signal; runs with `restore` in scope.
constexpr const char* k_adopt = R"(
import _signal
_signal.signal(_signal.SIGINT, _signal.default_int_handler)
if host_sigterm:
    _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)

def _wrap(original, restore, SIGINT=_signal.SIGINT, SIGTERM=_signal.SIGTERM,
          default_int_handler=_signal.default_int_handler, SIG_DFL=_signal.SIG_DFL):
    def signal(signalnum, handler, /):
        previous = original(signalnum, handler)
        # What the table reported at start, put back: the host's handler comes back with it.
        if (signalnum == SIGINT and handler is default_int_handler) or (
                signalnum == SIGTERM and type(handler) is int and handler == SIG_DFL):
            restore(signalnum)
        return previous
    signal.__doc__ = original.__doc__
    signal.__module__ = original.__module__
    return signal

_signal.signal = _wrap(_signal.signal, restore)
)";
}  // namespace

void adopt_host_signal_dispositions() {
  for (host_handler& h : g_host_handlers) {
    ::sigaction(h.signo, nullptr, &h.action);
    h.is_function = (h.action.sa_flags & SA_SIGINFO) != 0 ? h.action.sa_sigaction != nullptr
                                                          : h.action.sa_handler != SIG_DFL && h.action.sa_handler != SIG_IGN;
  }
  PyObject* globals = PyDict_New();
  PyObject* restore = PyCFunction_New(&g_restore_def, nullptr);
  bool ok = globals != nullptr && restore != nullptr &&
            PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0 &&
            PyDict_SetItemString(globals, "restore", restore) == 0 &&
            PyDict_SetItemString(globals, "host_sigterm", g_host_handlers[1].is_function ? Py_True : Py_False) == 0;
  PyObject* done = ok ? PyRun_String(k_adopt, Py_file_input, globals, globals) : nullptr;
  if (done == nullptr) PyErr_Print();  // the table keeps CPython's view; the host's handlers stay
  Py_XDECREF(done);
  Py_XDECREF(restore);
  Py_XDECREF(globals);
  // _signal.signal installed CPython's handler (or the default) at the process level: the host's
  // go back, whatever the table now says. SIGINT's always (with no handler of the host's, Ctrl-C
  // keeps the kernel's default, as before Python started); SIGTERM's only if it was changed.
  for (const host_handler& h : g_host_handlers) {
    if (h.is_function || h.signo == SIGINT) ::sigaction(h.signo, &h.action, nullptr);
  }
}

}  // namespace promethean::python
