// Signals in embedded mode as python3 has them (python_signal_dispositions.hpp).
#include "python_signal_dispositions.hpp"

#include "python_frozen_code.hpp"
#include "python_hosted_signals.hpp"
#include "python_state.hpp"

#include <Python.h>

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <system_error>

namespace py = pybind11;

// (_signal, not signal, below: the same functions without signal.py's enum import, 8 ms at every start.)

namespace promethean::python {

namespace {
/// The host's handlers as Python started (SIGINT, SIGTERM). Written once, before any Python code
/// runs; read with the GIL held.
struct host_handler {
  int signo;
  struct sigaction action;
  bool is_function;  ///< a handler, not SIG_DFL / SIG_IGN: the host's (or an embedder's) own
};
host_handler g_host_handlers[] = {{SIGINT, {}, false}, {SIGTERM, {}, false}};

/// `_signal.signal` as CPython made it (a strong reference, never let go: the wrapper calls it).
PyObject* g_original_signal = nullptr;

/// Whether a python_program_signals lives: SIGINT is then the program's. Changed with the GIL held.
bool g_program_owns_sigint = false;

bool is_function(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) != 0 ? a.sa_sigaction != nullptr : a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN;
}

/// `_signal_set(signo, as_at_start)`, after each _signal.signal: `as_at_start` when the handler
/// set is the one the table reported at start (the host's then comes back).
PyObject* signal_set(PyObject* /*self*/, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "_signal_set takes 2 arguments");
    return nullptr;
  }
  const long signo = PyLong_AsLong(args[0]);
  if (signo == -1 && PyErr_Occurred()) return nullptr;
  const int as_at_start = PyObject_IsTrue(args[1]);
  if (as_at_start < 0) return nullptr;
  if (signo == SIGINT && g_program_owns_sigint) {
    rewrap_sigint();  // Python installed its handler again: Ctrl-C still reaches other runtimes
    Py_RETURN_NONE;
  }
  for (const host_handler& h : g_host_handlers) {
    if (h.signo == signo && h.is_function && as_at_start != 0) ::sigaction(h.signo, &h.action, nullptr);
  }
  Py_RETURN_NONE;
}

PyMethodDef g_signal_set_def{"_signal_set", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&signal_set)),
                             METH_FASTCALL, "Keeps the host's signal handlers when a script sets Python's."};

}  // namespace

void adopt_host_signal_dispositions() {
  for (host_handler& h : g_host_handlers) {
    ::sigaction(h.signo, nullptr, &h.action);
    h.is_function = is_function(h.action);
  }
  PyObject* globals = PyDict_New();
  PyObject* signal_set_fn = PyCFunction_New(&g_signal_set_def, nullptr);
  const bool ok = globals != nullptr && signal_set_fn != nullptr &&
                  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0 &&
                  PyDict_SetItemString(globals, "signal_set", signal_set_fn) == 0 &&
                  PyDict_SetItemString(globals, "host_sigterm", g_host_handlers[1].is_function ? Py_True : Py_False) == 0;
  bool done = false;
  if (ok) {
    try {
      run_frozen_code("signal_adoption", py::reinterpret_borrow<py::dict>(globals));  // signal_adoption.py
      done = true;
    } catch (py::error_already_set& e) {
      e.restore();
    }
  }
  if (!done) {
    PyErr_Print();  // the table keeps CPython's view; the host's handlers stay
  } else {
    g_original_signal = PyDict_GetItemString(globals, "original");  // borrowed: kept below
    Py_XINCREF(g_original_signal);
  }
  Py_XDECREF(signal_set_fn);
  Py_XDECREF(globals);
  // _signal.signal installed CPython's handler (or the default) at the process level: the host's
  // go back, whatever the table now says. SIGINT's always (with no handler of the host's, Ctrl-C
  // keeps the kernel's default, as before Python started); SIGTERM's only if it was changed.
  for (const host_handler& h : g_host_handlers) {
    if (h.is_function || h.signo == SIGINT) ::sigaction(h.signo, &h.action, nullptr);
  }
}

python_program_signals::python_program_signals(host& h) {
  struct sigaction current {};
  if (g_original_signal == nullptr || g_program_owns_sigint || ::sigaction(SIGINT, nullptr, &current) != 0 ||
      !is_function(current)) {
    return;
  }
  // The handler in Python's table (default_int_handler, unless code already set another) gets
  // CPython's C-level handler, as python3 has it.
  PyObject* signal_module = PyImport_ImportModule("_signal");
  PyObject* handler = signal_module != nullptr ? PyObject_CallMethod(signal_module, "getsignal", "i", SIGINT) : nullptr;
  PyObject* previous = handler != nullptr && PyCallable_Check(handler)
                           ? PyObject_CallFunction(g_original_signal, "iO", SIGINT, handler)
                           : nullptr;
  Py_XDECREF(signal_module);
  Py_XDECREF(handler);
  if (previous == nullptr) {
    if (PyErr_Occurred()) PyErr_Print();
    ::sigaction(SIGINT, &current, nullptr);
    return;
  }
  Py_DECREF(previous);
  state().main_thread = ::pthread_self();
  try {
    start_sigint_forwarding(h);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "promethean: py: Ctrl-C stays the host's: %s\n", e.what());
    ::sigaction(SIGINT, &current, nullptr);
    return;
  }
  g_program_owns_sigint = true;
  m_active = true;
  m_host_action = current;
}

python_program_signals::~python_program_signals() {
  if (!m_active) return;
  g_program_owns_sigint = false;
  // The forwarding's watcher may be cancelling calls, which can wait for the GIL: given up here.
  Py_BEGIN_ALLOW_THREADS
  stop_sigint_forwarding();
  Py_END_ALLOW_THREADS
  ::sigaction(SIGINT, &m_host_action, nullptr);
}

}  // namespace promethean::python
