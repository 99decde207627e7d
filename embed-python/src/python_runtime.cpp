// The `py` runtime: interpreter lifetime, eval/call/define/load, messages, running scripts.
#include <promethean/python/python_runtime.hpp>

#include "python_callable.hpp"
#include "python_conversion.hpp"
#include "python_deadline.hpp"
#include "python_errors.hpp"
#include "python_multiprocessing.hpp"
#include "python_state.hpp"
#include "python_vectorcall.hpp"
#include "with_gil.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <pybind11/embed.h>

#include <array>
#include <chrono>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <thread>

namespace py = pybind11;

extern "C" PyObject* promethean_python_module_init();

namespace promethean::python {

python_state& state() {
  static auto* s = new python_state();  // never destroyed: releases may arrive during exit
  return *s;
}

void drain_releases() { state().releases.drain(); }

namespace {
constexpr const char* k_python = "/usr/bin/python3";

/// Set just before Py_FinalizeEx: from then on, thread states are the interpreter's to free.
std::atomic<bool> g_finalizing{false};

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
    if (g_finalizing.load() || !Py_IsInitialized()) return;
    PyEval_RestoreThread(m_tstate);
    PyGILState_Release(m_state);  // the last reference: deletes the state, releases the GIL
  }
  foreign_thread_state(const foreign_thread_state&) = delete;
  foreign_thread_state& operator=(const foreign_thread_state&) = delete;

 private:
  PyGILState_STATE m_state;
  PyThreadState* m_tstate;
};

}  // namespace

void ensure_thread_state() {
  if (PyGILState_GetThisThreadState() == nullptr) {
    thread_local foreign_thread_state registered;
  }
}

namespace {
void require_callable(const py::object& fn, std::string_view function) {
  if (!PyCallable_Check(fn.ptr())) {
    throw usage_error("py: '" + std::string(function) + "' is a " +
                          py::str(py::type::handle_of(fn).attr("__name__")).cast<std::string>() + ", not callable",
                      "py");
  }
}

std::string python_literal(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "None";
    case nlohmann::json::value_t::boolean: return j.get<bool>() ? "True" : "False";
    case nlohmann::json::value_t::array: {
      std::string s = "[";
      for (std::size_t i = 0; i < j.size(); ++i) s += (i ? ", " : "") + python_literal(j[i]);
      return s + "]";
    }
    case nlohmann::json::value_t::object: {
      std::string s = "{";
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        s += (first ? "" : ", ") + nlohmann::json(k).dump() + ": " + python_literal(v);
        first = false;
      }
      return s + "}";
    }
    default: return j.dump();  // numbers; strings (JSON string escapes are valid Python)
  }
}

/// Resolves an exported name or a dotted path (`math.sqrt`, `numpy.linalg.norm`, `helper` in
/// __main__) to a Python object.
py::object resolve(std::string_view name) {
  auto& s = state();
  if (auto it = s.exported.find(name); it != s.exported.end()) return it->second;
  if (auto it = s.callables.find(name); it != s.callables.end()) return it->second;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = name.find('.', start);
    parts.emplace_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  py::dict main = py::module_::import("__main__").attr("__dict__");
  py::object builtins = py::module_::import("builtins");
  py::object target;
  std::size_t used = 1;
  if (main.contains(parts[0])) {
    target = main[py::str(parts[0])];
  } else if (py::hasattr(builtins, parts[0].c_str())) {
    target = builtins.attr(parts[0].c_str());
  } else {
    // The longest importable module prefix: numpy.linalg.norm imports numpy.linalg.
    for (std::size_t n = parts.size(); n >= 1 && !target; --n) {
      std::string module_name = parts[0];
      for (std::size_t i = 1; i < n; ++i) module_name += "." + parts[i];
      try {
        target = py::module_::import(module_name.c_str());
        used = n;
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_ImportError)) throw;
        if (n == 1) {
          throw usage_error("py: no function '" + std::string(name) + "': '" + parts[0] +
                                "' is not exported, defined in __main__, a builtin or an importable module",
                            "py");
        }
      }
    }
  }
  for (std::size_t i = used; i < parts.size(); ++i) {
    if (!py::hasattr(target, parts[i].c_str())) {
      throw usage_error("py: no function '" + std::string(name) + "': '" + parts[i] + "' not found", "py");
    }
    target = target.attr(parts[i].c_str());
  }
  return target;
}

class python_runtime final : public runtime {
 public:
  explicit python_runtime(host& h) {
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
    m_init_thread = std::this_thread::get_id();
    m_main_ident = PyThread_get_thread_ident();
    // Ctrl-C raises KeyboardInterrupt as in python3: Python's SIGINT handler is its default one,
    // but the process-level handler stays the host's (interrupt() trips Python's from there).
    {
      struct sigaction host_handler {};
      ::sigaction(SIGINT, nullptr, &host_handler);
      PyRun_SimpleString("import signal as _s; _s.signal(_s.SIGINT, _s.default_int_handler); del _s");
      ::sigaction(SIGINT, &host_handler, nullptr);
    }
    try {
      py::exec(R"(
import os, sys, site, glob
venv = os.environ.get("VIRTUAL_ENV")
if venv:
    before = list(sys.path)
    for d in glob.glob(os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")):
        site.addsitedir(d)
    sys.path[:] = [p for p in sys.path if p not in before] + before
)");
      install_multiprocessing_hook();
      // The module now, not at a script's first `import promethean`: timeouts raise its
      // TimeoutError in code that never imported it.
      py::module_::import("promethean");
    } catch (py::error_already_set& e) {
      m_saved = PyEval_SaveThread();
      throw python_error("InitError", std::string("activating $VIRTUAL_ENV failed: ") + e.what());
    }
    m_saved = PyEval_SaveThread();  // no thread holds the GIL between calls
  }

  ~python_runtime() override { shutdown(); }

  std::string_view name() const noexcept override { return "py"; }

  std::string version() const override {
    std::string v = Py_GetVersion();
    return v.substr(0, v.find(' '));
  }

  nlohmann::json describe() const override {
    return {{"name", "py"},
            {"language", "Python"},
            {"version", version()},
            {"executable", k_python},
            {"eval", "an expression -> its value; statements -> null (run in __main__)"},
            {"call", "an exported name, a __main__ or builtin name, or a dotted module path"},
            {"marshal", "JSON -> a Python literal"},
            {"messages", "promethean.on_message(fn) receives the JSON; its return value is the reply"},
            {"buffers", "zero-copy: numpy arrays and any buffer-protocol object"},
            {"capabilities", {"eval", "call", "define", "load", "send_json", "run", "buffers"}}};
  }

  message eval(std::string_view code, const call_options& options) override {
    return with_deadline(options, [] { return std::string("eval of code"); }, [&] { return eval_now(code); });
  }

  message call(std::string_view function, const message& args, const call_options& options) override {
    return with_deadline(
        options, [&] { return "call of '" + std::string(function) + "'"; }, [&] { return call_now(function, args); });
  }

  message send_json(const message& payload, const call_options& options) override {
    return with_deadline(options, [] { return std::string("message handler"); }, [&] { return send_json_now(payload); });
  }

  message eval_now(std::string_view code) {
    return guarded([&] {
      py::dict globals = py::module_::import("__main__").attr("__dict__");
      py::object builtins = py::module_::import("builtins");
      py::object compiled;
      bool expression = true;
      try {
        compiled = builtins.attr("compile")(py::str(std::string(code)), "<eval>", "eval");
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_SyntaxError)) throw;
        expression = false;
      }
      if (!expression) compiled = builtins.attr("compile")(py::str(std::string(code)), "<exec>", "exec");
      py::object result = py::reinterpret_steal<py::object>(PyEval_EvalCode(compiled.ptr(), globals.ptr(), globals.ptr()));
      if (!result) throw py::error_already_set();
      return expression ? to_message(result) : message();
    });
  }

  message call_now(std::string_view function, const message& args) {
    return guarded([&] {
      py::object fn = resolve(function);
      require_callable(fn, function);
      const nlohmann::json& values = args.value();
      message::cursor at(args);
      return vectorcall_message(fn.ptr(), values.size(), [&](std::size_t i) { return from_message_value(values[i], at); });
    });
  }

  /// The function found once; its calls skip the lookup and take typed arguments (python_callable.hpp).
  std::shared_ptr<const callable_target> resolve_callable(std::string_view function) override {
    return guarded([&] {
      py::object fn = resolve(function);
      require_callable(fn, function);
      return make_python_callable(std::move(fn), std::string(function));
    });
  }

  void define(const function_definition& d) override {
    guarded([&] {
      py::object builtins = py::module_::import("builtins");
      std::string params;
      for (const auto& p : d.params) params += (params.empty() ? "" : ", ") + p;
      // An expression body is returned; a statement body runs as written.
      bool expression = true;
      try {
        builtins.attr("compile")(py::str(d.body), "<py:fn>", "eval");
      } catch (py::error_already_set& e) {
        if (!e.matches(PyExc_SyntaxError)) throw;
        expression = false;
      }
      std::string source = "def " + d.name + "(" + params + "):\n";
      if (expression) {
        source += "    return (" + d.body + ")\n";
      } else {
        std::string line;
        for (char c : d.body + "\n") {
          if (c == '\n') {
            source += "    " + line + "\n";
            line.clear();
          } else {
            line += c;
          }
        }
      }
      py::dict globals = py::module_::import("__main__").attr("__dict__");
      py::exec(py::str(source), globals);
      state().exported[d.name] = globals[py::str(d.name)];
      return 0;
    });
  }

  void load(const std::filesystem::path& path) override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw usage_error("py: cannot load " + path.string() + ": no such file", "py");
    guarded([&] {
      py::object util = py::module_::import("importlib.util");
      const std::string module_name = path.stem().string();
      py::object spec = util.attr("spec_from_file_location")(module_name, path.string());
      py::object module = util.attr("module_from_spec")(spec);
      py::module_::import("sys").attr("modules")[py::str(module_name)] = module;
      spec.attr("loader").attr("exec_module")(module);
      return 0;
    });
  }

  std::string marshal(const nlohmann::json& value) const override { return python_literal(value); }

  message send_json_now(const message& payload) {
    return guarded([&] {
      if (!state().message_handler) {
        throw usage_error("py has no message handler: register one with promethean.on_message(fn)", "py");
      }
      py::object handler = state().message_handler;
      return to_message(handler(from_message(payload)));
    });
  }

  void set_message_handler(std::string_view handler) override {
    guarded([&] {
      state().message_handler = resolve(handler);
      return 0;
    });
  }

  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override {
    with_gil gil;
    py::module_ sys = py::module_::import("sys");
    py::list argv;
    argv.append(path.string());
    for (const auto& a : args) argv.append(a);
    sys.attr("argv") = argv;
    const std::string dir = std::filesystem::absolute(path).parent_path().string();
    sys.attr("path").attr("insert")(0, dir);
    int status = 0;
    try {
      py::dict globals = py::module_::import("__main__").attr("__dict__");
      globals["__file__"] = path.string();
      py::object source = py::module_::import("io").attr("open_code")(path.string()).attr("read")();
      py::object code = py::module_::import("builtins").attr("compile")(source, path.string(), "exec");
      py::object result = py::reinterpret_steal<py::object>(PyEval_EvalCode(code.ptr(), globals.ptr(), globals.ptr()));
      if (!result) throw py::error_already_set();
    } catch (py::error_already_set& e) {
      status = exit_status_of(e);
    }
    flush_stdio();
    return status;
  }

  /// `python3 -c CODE ARGS…` (`-c`) or `python3 -m MODULE ARGS…` (`-m`): sys.argv and sys.path
  /// as python3 sets them, the code run as __main__; returns the exit status.
  int run_command(std::string_view kind, const std::string& text, const std::vector<std::string>& args) {
    with_gil gil;
    py::module_ sys = py::module_::import("sys");
    py::list argv;
    argv.append(std::string(kind));
    for (const auto& a : args) argv.append(a);
    sys.attr("argv") = argv;
    int status = 0;
    try {
      if (kind == "-c") {
        sys.attr("path").attr("insert")(0, "");
        py::dict globals = py::module_::import("__main__").attr("__dict__");
        py::object code = py::module_::import("builtins").attr("compile")(text, "<string>", "exec");
        py::object result = py::reinterpret_steal<py::object>(PyEval_EvalCode(code.ptr(), globals.ptr(), globals.ptr()));
        if (!result) throw py::error_already_set();
      } else {
        sys.attr("path").attr("insert")(0, std::filesystem::current_path().string());
        py::module_::import("runpy").attr("_run_module_as_main")(text, true);
      }
    } catch (py::error_already_set& e) {
      status = exit_status_of(e);
    }
    flush_stdio();
    return status;
  }

  void interrupt() override {
    // KeyboardInterrupt in the thread that started Python (the one running the script). Not
    // PyErr_SetInterruptEx: called from a thread other than Python's main one, CPython 3.11
    // records the signal but does not make the main thread look at it. An asynchronous
    // exception does: the main thread raises it at its next bytecode.
    auto& s = state();
    if (!s.alive.load()) return;
    PyGILState_STATE gil = PyGILState_Ensure();
    if (s.alive.load()) PyThreadState_SetAsyncExc(m_main_ident, PyExc_KeyboardInterrupt);
    PyGILState_Release(gil);
  }

  void before_shutdown() override {
    if (!state().alive.load()) return;
    with_gil gil;
    try {
      join_non_daemon_threads();
    } catch (py::error_already_set& e) {
      throw_from_python(e);
    }
  }

  void shutdown() override {
    auto& s = state();
    if (!s.alive.load()) return;
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
    s.exported.clear();
    s.callables.clear();
    s.message_handler = py::object();
    drain_releases();
    hold_modules_if_threads_remain();
    g_finalizing = true;
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

 private:
  /// SystemExit gives its code (None 0, an int, else printed and 1); any other exception prints
  /// its traceback like python3 does and gives 1.
  static int exit_status_of(py::error_already_set& e) {
    if (e.matches(PyExc_SystemExit)) {
      py::object code = e.value().attr("code");
      if (code.is_none()) return 0;
      if (PyLong_Check(code.ptr())) return static_cast<int>(PyLong_AsLong(code.ptr())) & 0xff;
      py::print(code, py::arg("file") = py::module_::import("sys").attr("stderr"));
      return 1;
    }
    e.restore();
    PyErr_Print();
    return 1;
  }

  /// Python's rule at exit is to wait for every non-daemon thread; so does the host, before any
  /// runtime shuts down (those threads may still call JS), but for a bounded time: after the
  /// grace period (PROMETHEAN_THREAD_GRACE seconds, default 10) a thread still running gets
  /// SystemExit at its next bytecode, and one that does not end within a second more (blocked in
  /// C code) is left to run as a daemon thread would, so that finalisation does not wait for it.
  /// Each is named on stderr. The caller holds the GIL.
  static void join_non_daemon_threads() {
    py::dict scope;
    scope["grace"] = thread_grace_seconds();
    py::exec(R"(
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
)", scope);
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

  /// A daemon thread still running at finalisation keeps its frames, and CPython 3.11 never
  /// clears them: through their functions they hold those modules' globals, and with them every
  /// buffer a script kept there (never freed: a leak in the ledger). Finalisation clears the
  /// globals of every module still alive near its end, which a module whose object died but
  /// whose dict lives on escapes: holding every module keeps them all among those cleared. Only
  /// when another thread state exists; otherwise finalisation is CPython's own, unchanged. (The
  /// module objects held are the interpreter's to leak.) The caller holds the GIL.
  static void hold_modules_if_threads_remain() {
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

  /// PROMETHEAN_THREAD_GRACE (seconds, >= 0), else 10.
  static double thread_grace_seconds() {
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

  static void flush_stdio() {
    for (const char* stream : {"stdout", "stderr"}) {
      try {
        py::object f = py::module_::import("sys").attr(stream);
        if (!f.is_none()) f.attr("flush")();
      } catch (py::error_already_set&) {
        PyErr_Clear();
      }
    }
  }

  PyThreadState* m_saved = nullptr;
  std::thread::id m_init_thread;
  unsigned long m_main_ident = 0;  // Python's ident of the thread that started it
};
}  // namespace
}  // namespace promethean::python

namespace promethean {
std::unique_ptr<runtime> make_python_runtime(host& h) { return std::make_unique<python::python_runtime>(h); }

int run_python_command(runtime& py, std::string_view kind, const std::string& text, const std::vector<std::string>& args) {
  auto* rt = dynamic_cast<python::python_runtime*>(&py);
  if (rt == nullptr) throw usage_error("run_python_command needs the py runtime, got " + std::string(py.name()));
  if (kind != "-c" && kind != "-m") throw usage_error("run_python_command: kind is \"-c\" or \"-m\", got " + std::string(kind));
  return rt->run_command(kind, text, args);
}
}  // namespace promethean
