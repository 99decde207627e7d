// The CPython interpreter's start-up and shutdown (python_interpreter.hpp), and the thread states
// of threads Python has never seen.
#include "python_interpreter.hpp"

#include "python_coroutines.hpp"

#include "python_errors.hpp"
#include "python_main_thread.hpp"
#include "python_main_wake.hpp"
#include "python_multiprocessing.hpp"
#include "python_name_resolution.hpp"
#include "python_signal_dispositions.hpp"
#include "python_state.hpp"

#include <promethean/error.hpp>
#include <promethean/host/runtime.hpp>

#include <pybind11/embed.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <unistd.h>

namespace py = pybind11;

extern "C" PyObject* promethean_python_module_init();

namespace promethean::python {

namespace {
/// A thread Python has never seen (a Rust plugin's, an embedder's) gets one thread state for its
/// whole life, not one per call: making and deleting a thread state on every call is slow, and
/// deleting it while a Python error from the call is still being freed crashed
/// (ThreadingForeign tests). Released when the thread ends, unless Python was finalized first.
class foreign_thread_state {
 public:
  foreign_thread_state() {
    m_state = PyGILState_Ensure();  // makes the thread state, known to PyGILState from now on
    m_tstate = PyEval_SaveThread();  // ... and gives the GIL back, keeping the state
  }
  ~foreign_thread_state() {
    if (state().finalizing.load() || !Py_IsInitialized()) return;
    PyEval_RestoreThread(m_tstate);
    PyGILState_Release(m_state);  // the last reference: deletes the state, releases the GIL
  }
  foreign_thread_state(const foreign_thread_state&) = delete;
  foreign_thread_state& operator=(const foreign_thread_state&) = delete;

 private:
  PyGILState_STATE m_state;
  PyThreadState* m_tstate;
};

/// A daemon thread still running at finalisation keeps its frames, and CPython 3.11 never
/// clears them: through their functions they hold those modules' globals, and with them every
/// buffer a script kept there (never freed: a leak in the ledger). Finalisation clears the
/// globals of every module still alive near its end, which a module whose object died but
/// whose dict lives on escapes: holding every module keeps them all among those cleared. Only
/// when another thread state exists; otherwise finalisation is CPython's own, unchanged. (The
/// module objects held are the interpreter's to leak.) The caller holds the GIL.
void hold_modules_if_threads_remain() {
  PyThreadState* self = PyThreadState_Get();
  bool others = false;
  for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t != nullptr; t = PyThreadState_Next(t)) {
    others = others || t != self;
  }
  if (!others) return;
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  PyObject* key = nullptr;
  PyObject* module = nullptr;
  Py_ssize_t pos = 0;
  while (PyDict_Next(modules, &pos, &key, &module)) {
    if (PyModule_Check(module)) Py_INCREF(module);
  }
}

/// At exit CPython 3.11 waits for the thread state of every non-daemon thread to go, threading's
/// MainThread included unless finalisation runs on that thread (threading._shutdown releases it
/// then). MainThread is the thread that imported threading: when that was another thread than
/// this one (Python started on a thread other than the one dropping the Host), its state lives
/// until Py_FinalizeEx deletes every state, after the wait, which would then never end. Leave it
/// out of the wait, as threading._shutdown means to ("ignore _main_thread"). The caller holds the
/// GIL.
void leave_another_main_thread_out_of_the_exit_wait() {
  PyObject* threading = PyDict_GetItemString(PyImport_GetModuleDict(), "threading");  // borrowed
  if (threading == nullptr) return;
  try {
    py::handle module(threading);
    py::object main = module.attr("_main_thread");
    if (py::object(main.attr("ident")).equal(py::int_(PyThread_get_thread_ident()))) return;
    py::object guard = module.attr("_shutdown_locks_lock");
    guard.attr("acquire")();
    module.attr("_shutdown_locks").attr("discard")(main.attr("_tstate_lock"));
    guard.attr("release")();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("promethean: leaving threading's main thread out of the exit wait");
  }
}

/// PROMETHEAN_THREAD_GRACE (seconds, >= 0), else 10.
double thread_grace_seconds() {
  const char* env = std::getenv("PROMETHEAN_THREAD_GRACE");
  if (env == nullptr || *env == '\0') return 10.0;
  char* end = nullptr;
  const double v = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(v >= 0) || v > 1e6) {
    std::fprintf(stderr, "promethean: PROMETHEAN_THREAD_GRACE must be a number of seconds, got '%s'; using 10\n", env);
    return 10.0;
  }
  return v;
}
}  // namespace

namespace {
/// Set once a thread is known to keep a thread state for the interpreter's life: the thread that
/// started it, or a thread given one of its own below. Then the check on every call is this flag
/// (PyGILState_GetThisThreadState is a TLS lookup on the hottest path). A thread whose state is
/// someone else's (a PyGILState_Ensure it may release) keeps asking.
thread_local bool t_keeps_thread_state = false;
}  // namespace

void ensure_thread_state() {
  if (t_keeps_thread_state) return;
  // A worker of the host ends at the host's shutdown, while Python may be finalising: a state
  // kept for its life would be torn down at its exit, racing finalisation (a thread that takes
  // the GIL then is ended by CPython, inside that noexcept teardown: std::terminate). There,
  // each call makes its own state (PyGILState_Ensure) and deletes it when it returns.
  if (on_host_worker_thread()) return;
  if (PyGILState_GetThisThreadState() == nullptr) {
    thread_local foreign_thread_state registered;
    t_keeps_thread_state = true;
  }
}

interpreter interpreter::start_own(host& h) {
  interpreter self;
  auto& s = state();
  if (s.ever_started || Py_IsInitialized()) {
    throw usage_error("the py runtime was already started in this process, and CPython (numpy above all) "
                      "cannot start twice: use one Host per process", "py");
  }
  s.ever_started = true;
  s.owner = &h;
  if (PyImport_AppendInittab("promethean", &promethean_python_module_init) != 0) {
    throw python_error("InitError", "cannot register the promethean module");
  }
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;  // the host owns SIGINT and friends
  config.parse_argv = 0;
  // The program name fixes sys.executable and sys.prefix to Debian's Python, whatever is first
  // on PATH, so that site-packages, subprocesses and multiprocessing find the right interpreter.
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, k_python);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    throw python_error("InitError", std::string("cannot start Python: ") + (status.err_msg ? status.err_msg : "?"));
  }
  s.alive = true;
  self.m_init_thread = std::this_thread::get_id();
  self.m_main_ident = PyThread_get_thread_ident();
  t_keeps_thread_state = true;  // the main thread state lives until finalisation
  // Ctrl-C raises KeyboardInterrupt as in python3, and signal.getsignal reports what python3
  // does (SIGTERM: SIG_DFL), while the process-level handlers stay the host's (interrupt() trips
  // Python's SIGINT handler from there): python_signal_dispositions.hpp.
  adopt_host_signal_dispositions();
  // ... and a Ctrl-C or a timeout also ends a blocking call of the main thread (time.sleep, a lock).
  main_wake::install();
  try {
    // Start-up imports are start-up time: the venv's site-packages are found without glob, and
    // every py::exec here takes a py::str, since pybind11's string-literal overload dedents the
    // code through textwrap, which imports re (8 ms at every start).
    if (const char* venv = std::getenv("VIRTUAL_ENV"); venv != nullptr && *venv != '\0') {
      py::dict scope;
      scope["venv"] = py::str(venv);
      py::exec(py::str(R"(
import os, sys, site
before = list(sys.path)
d = os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
if os.path.isdir(d):
    site.addsitedir(d)
sys.path[:] = [p for p in sys.path if p not in before] + before
)"), scope);
    }
    install_multiprocessing_hook();
    // The module now, not at a script's first `import promethean`: timeouts raise its
    // TimeoutError in code that never imported it.
    py::module_::import("promethean");
    // threading's MainThread is whichever thread imports it first. When Python starts on the
    // process's main thread, make it that one, as in python3, whatever thread first imports it
    // (a call served on another thread of a worker process), without importing it now
    // (python_main_thread.hpp). (Started on another thread, by a plugin's thread calling back,
    // say, the first importer stays MainThread, as before.)
    if (::getpid() == static_cast<pid_t>(::gettid())) keep_main_thread_for_threading();
  } catch (py::error_already_set& e) {
    self.m_saved = PyEval_SaveThread();
    throw python_error("InitError", std::string("activating $VIRTUAL_ENV failed: ") + e.what());
  }
  self.m_saved = PyEval_SaveThread();  // no thread holds the GIL between calls
  return self;
}

interpreter interpreter::adopt_running(host& h) {
  auto& s = state();
  if (!Py_IsInitialized()) throw usage_error("the py runtime can adopt only a running Python", "py");
  if (s.alive.load()) {
    throw usage_error("a py runtime already holds this process's Python: one Host per process", "py");
  }
  interpreter self;
  self.m_adopted = true;
  self.m_init_thread = std::this_thread::get_id();
  s.ever_started = true;
  s.owner = &h;
  s.closing.store(false);
  s.alive = true;
  return self;
}

void mark_adopted_finalized() {
  state().finalizing = true;
  state().alive = false;
}

/// Python's rule at exit is to wait for every non-daemon thread; so does the host, before any
/// runtime shuts down (those threads may still call JS), but for a bounded time: after the
/// grace period (PROMETHEAN_THREAD_GRACE seconds, default 10) a thread still running gets
/// SystemExit at its next bytecode, and one that does not end within a second more (blocked in
/// C code) is left to run as a daemon thread would, so that finalisation does not wait for it.
/// Each is named on stderr. The caller holds the GIL.
void interpreter::join_non_daemon_threads() {
  // No threading module, no thread to wait for (python3 skips threading._shutdown the same way);
  // importing it here would cost a program that never used threads its exit time.
  if (PyDict_GetItemString(PyImport_GetModuleDict(), "threading") == nullptr) return;
  py::dict scope;
  scope["grace"] = thread_grace_seconds();
  py::exec(py::str(R"(
import threading as _threading, time as _time
def _pending():
    me, main = _threading.current_thread(), _threading.main_thread()
    return [t for t in _threading.enumerate() if t is not me and t is not main and not t.daemon and t.is_alive()]
def _join(seconds):
    deadline = _time.monotonic() + seconds
    while True:
        left = _pending()
        if not left or _time.monotonic() >= deadline:
            return left
        left[0].join(max(0.0, deadline - _time.monotonic()))
)"), scope);
  py::list left = scope["_join"](scope["grace"]);
  if (left.empty()) return;
  for (py::handle t : left) {
    PyThreadState_SetAsyncExc(t.attr("ident").cast<unsigned long>(), PyExc_SystemExit);
  }
  py::list stuck = scope["_join"](1.0);
  std::string stopped, abandoned;
  py::module_ threading = py::module_::import("threading");
  for (py::handle t : left) {
    const std::string name = py::str(t.attr("name"));
    bool is_stuck = false;
    for (py::handle u : stuck) is_stuck = is_stuck || u.is(t);
    if (!is_stuck) {
      stopped += (stopped.empty() ? "" : ", ") + name;
      continue;
    }
    abandoned += (abandoned.empty() ? "" : ", ") + name;
    // CPython 3.11 finalisation joins the threads whose locks are in this set: this one is left
    // out, as a daemon thread would be.
    if (py::hasattr(threading, "_shutdown_locks") && py::hasattr(t, "_tstate_lock")) {
      py::object guard = threading.attr("_shutdown_locks_lock");
      guard.attr("acquire")();
      threading.attr("_shutdown_locks").attr("discard")(t.attr("_tstate_lock"));
      guard.attr("release")();
    }
  }
  const std::string grace = py::str(scope["grace"]);
  flush_stdio();
  if (!stopped.empty()) {
    std::fprintf(stderr, "promethean: py: non-daemon thread(s) %s still running %s s after the program ended: stopped with SystemExit\n",
                 stopped.c_str(), grace.c_str());
  }
  if (!abandoned.empty()) {
    std::fprintf(stderr, "promethean: py: non-daemon thread(s) %s still running %s s after the program ended and blocked outside Python: not waited for\n",
                 abandoned.c_str(), grace.c_str());
  }
}

void interpreter::interrupt_main() const {
  // KeyboardInterrupt in the thread that started Python (the one running the script). Not
  // PyErr_SetInterruptEx alone: called from a thread other than Python's main one, CPython 3.11
  // records the signal but does not make the main thread look at it; the wake-up signal does
  // (python_main_wake.hpp). Without it, an asynchronous exception: the main thread raises it at
  // its next bytecode (a blocking call runs to its end first).
  auto& s = state();
  if (m_adopted || !s.alive.load()) return;
  PyGILState_STATE gil = PyGILState_Ensure();
  // Embedded mode: CPython's own SIGINT handling, which also ends a blocking call
  // (python_main_wake.hpp); otherwise the asynchronous exception.
  if (s.alive.load() && !main_wake::interrupt()) PyThreadState_SetAsyncExc(m_main_ident, PyExc_KeyboardInterrupt);
  PyGILState_Release(gil);
}

void interpreter::finalize() {
  auto& s = state();
  if (!s.alive.load()) return;
  if (m_adopted) {
    if (s.owner == nullptr) return;  // given back already
    // Python is the user's: it goes on, and finalises itself when its program ends. What the
    // runtime took goes back. `alive` stays set, since the interpreter still lives: buffers held
    // in Python objects are released as those objects die, and releases that other runtimes
    // queue while they shut down after this one still reach Python (mark_adopted_finalized()
    // ends that when Python itself finalises).
    PyGILState_STATE gil = PyGILState_Ensure();
    flush_stdio();
    stop_own_loop();
    s.exported.clear();
    s.callables.clear();
    forget_routes();
    s.message_handler = py::object();
    s.async_support = py::object();
    drain_releases();
    s.owner = nullptr;
    PyGILState_Release(gil);
    return;
  }
  if (std::this_thread::get_id() == m_init_thread) {
    PyEval_RestoreThread(m_saved);
  } else {
    PyGILState_Ensure();  // finalising from another thread: take the GIL the general way
  }
  // No Python thread may be away in a call to another runtime when finalisation starts: it
  // would come back to a thread exit whose unwinding drops pybind11's references without the
  // GIL (without_gil.hpp). From here on other threads cannot leave Python, and those away come
  // back now, while they still can (bounded: a call that never returns is not waited for).
  s.closing_thread = std::this_thread::get_id();
  s.closing.store(true, std::memory_order_release);
  Py_BEGIN_ALLOW_THREADS
  const auto back_by = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.threads_to_return.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < back_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Py_END_ALLOW_THREADS
  flush_stdio();
  stop_own_loop();
  s.exported.clear();
  s.callables.clear();
  forget_routes();
  s.message_handler = py::object();
  s.async_support = py::object();
  drain_releases();
  hold_modules_if_threads_remain();
  leave_another_main_thread_out_of_the_exit_wait();
  main_wake::uninstall();
  state().finalizing = true;
  Py_FinalizeEx();
  s.alive = false;
  drain_releases();  // anything queued during finalisation is now a no-op
  // Daemon threads that were in a call out of Python (into JS, say) when it finalised come back
  // to a host whose runtimes refuse them, and end as they take the GIL back (their stacks
  // unwound, so buffers they carried are released). Wait for that (bounded), so that none is
  // still in host code when the Host goes on to unload plugins and free itself.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.threads_out.load(std::memory_order_acquire) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (const int left = s.threads_out.load(); left > 0) {
    std::fprintf(stderr, "promethean: py: %d daemon thread(s) still in a call to another runtime 2 s after Python finalised\n", left);
  }
}

void flush_stdio() {
  for (const char* stream : {"stdout", "stderr"}) {
    try {
      py::object f = py::module_::import("sys").attr(stream);
      if (!f.is_none()) f.attr("flush")();
    } catch (py::error_already_set&) {
      PyErr_Clear();
    }
  }
}

}  // namespace promethean::python
