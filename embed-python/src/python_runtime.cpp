// The `py` runtime: eval/call/define/load, messages, running scripts (the interpreter itself, its
// start and end: python_interpreter.cpp).
#include <promethean/python/python_runtime.hpp>

#include "python_callable.hpp"
#include "python_command_line.hpp"
#include "python_compile.hpp"
#include "python_conversion.hpp"
#include "python_coroutines.hpp"
#include "python_deadline.hpp"
#include "python_errors.hpp"
#include "python_interpreter.hpp"
#include "python_loaded_modules.hpp"
#include "python_signal_dispositions.hpp"
#include "python_state.hpp"
#include "python_vectorcall.hpp"
#include "python_name_resolution.hpp"
#include "with_gil.hpp"

#include <promethean/article.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/source_literal.hpp>

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

namespace promethean::python {

namespace {
std::atomic<bool> g_drain_scheduled{false};

int drain_pending(void*) {
  g_drain_scheduled.store(false, std::memory_order_relaxed);
  if (state().alive.load()) drain_releases();
  return 0;
}

/// The release queue's wake-up: a release pushed from a thread without the GIL (a V8 GC pass, a
/// Rust thread dropping a view) is run soon by Python's main thread, between two bytecodes, even
/// when no runtime calls into Python again (a script that only calls out would otherwise keep
/// every array it lent, JS long done with it). One pending call at a time; CPython allows
/// Py_AddPendingCall from any thread without the GIL. A full pending-call queue (-1) is harmless:
/// the next entry into Python, or the next return to it from a call out, drains as well.
void schedule_drain() {
  if (!state().alive.load()) return;
  if (g_drain_scheduled.exchange(true, std::memory_order_relaxed)) return;
  if (Py_AddPendingCall(drain_pending, nullptr) != 0) g_drain_scheduled.store(false, std::memory_order_relaxed);
}
}  // namespace

python_state& state() {
  static auto* s = [] {
    auto* made = new python_state();  // never destroyed: releases may arrive during exit
    made->releases.set_wakeup(schedule_drain);
    return made;
  }();
  return *s;
}

void drain_releases() { state().releases.drain(); }

namespace {
void require_callable(const py::object& fn, std::string_view function) {
  if (!PyCallable_Check(fn.ptr())) {
    throw usage_error("py: '" + std::string(function) + "' is " +
                          with_article(py::str(py::type::handle_of(fn).attr("__name__")).cast<std::string>()) +
                          ", not callable",
                      "py");
  }
}

/// JSON as Python source: None, True, False; the rest as JSON writes it.
constexpr literal_spelling k_python_spelling{.null_value = "None", .true_value = "True", .false_value = "False"};

/// Resolves an exported name or a dotted path (`math.sqrt`, `numpy.linalg.norm`, `helper` in
/// __main__) to a Python object.
class python_runtime final : public runtime {
 public:
  explicit python_runtime(interpreter i) : m_interpreter(i) {}

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
            {"executable", executable()},
            {"eval", "an expression -> its value, null when it cannot cross; statements -> null (run in __main__)"},
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
    return guarded([&] { return completion_to_message(eval_object(code)); });
  }

  /// The value of an expression, None for statements (run in __main__). GIL held.
  static py::object eval_object(std::string_view code) {
    py::dict globals = main_dict();
    const py::str source(code.data(), code.size());
    py::object compiled;
    bool expression = true;
    try {
      compiled = compile_source(source, py::str("<eval>"), Py_eval_input);
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_SyntaxError)) throw;
      expression = false;
    }
    if (!expression) compiled = compile_source(source, py::str("<exec>"), Py_file_input);
    py::object result = py::reinterpret_steal<py::object>(PyEval_EvalCode(compiled.ptr(), globals.ptr(), globals.ptr()));
    if (!result) throw py::error_already_set();
    return expression ? result : py::none();
  }

  /// An `async def` runs on an asyncio loop (python_coroutines.hpp) and settles the pending call
  /// when it ends; any other function is left to the host's workers (nullptr), so that the
  /// caller's loop (JS's) never waits for Python code.
  std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                           const call_options& /*options*/) override {
    return guarded([&]() -> std::shared_ptr<pending_call> {
      py::object fn = resolve(function);
      require_callable(fn, function);
      if (!is_coroutine_function(fn)) return nullptr;
      const nlohmann::json& values = args.value();
      message::cursor at(args);
      py::object coroutine =
          vectorcall_object(fn.ptr(), values.size(), [&](std::size_t i) { return from_message_value(values[i], at); });
      return run_awaitable(std::move(coroutine), "py coroutine " + std::string(function));
    });
  }

  /// The code runs now; a coroutine (or other awaitable) it evaluates to runs on the loop.
  std::shared_ptr<pending_call> eval_async(std::string_view code, const call_options& /*options*/) override {
    return guarded([&] {
      py::object value = eval_object(code);
      if (is_awaitable(value)) return run_awaitable(std::move(value), "evaluated py code", true);
      return pending_call::ready(completion_to_message(value));
    });
  }

  message call_now(std::string_view function, const message& args) {
    const nlohmann::json& values = args.value();
    message::cursor at(args);
    return call_by_name(function, values.size(), [&](std::size_t i) { return from_message_value(values[i], at); });
  }

  /// Typed arguments: the same lookup, each argument made straight from its value (no JSON).
  message call_typed(std::string_view function, std::span<const argument> args, const call_options& options) override {
    return with_deadline(options, [&] { return "call of '" + std::string(function) + "'"; }, [&] {
      return call_by_name(function, args.size(), [&](std::size_t i) { return from_argument(args[i]); });
    });
  }

  /// Calls `function` with n arguments, argument i being convert(i), made in order.
  template <class Convert>
  static message call_by_name(std::string_view function, std::size_t n, Convert&& convert) {
    return guarded([&] {
      py::object fn = resolve(function);
      require_callable(fn, function);
      return vectorcall_message(fn.ptr(), n, convert);
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
      std::string params;
      for (const auto& p : d.params) params += (params.empty() ? "" : ", ") + p;
      // An expression body is returned; a statement body runs as written.
      bool expression = true;
      try {
        compile_source(py::str(d.body), py::str("<py:fn>"), Py_eval_input);
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
      py::dict globals = main_dict();
      py::exec(py::str(source), globals);
      state().exported[d.name] = globals[py::str(d.name)];
      forget_route(d.name);
      return 0;
    });
  }

  void load(const std::filesystem::path& path) override {
    try {
      guarded([&] {
        load_now(path);
        return 0;
      });
    } catch (const python_error&) {
      // Whether the file is there is asked only once Python failed to load it: a stat made before
      // every load was a system call per load spent on a question whose answer is nearly always yes.
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        throw usage_error("py: cannot load " + path.string() + ": no such file", "py");
      }
      throw;
    }
  }

  /// Runs the file as the module named by its stem, registered in sys.modules under that name; if
  /// it fails, sys.modules holds again what it held before (nothing, or the module of that name
  /// already there), as Python's own import leaves it. GIL held.
  static void load_now(const std::filesystem::path& path) {
    // importlib.util's steps, as Python code loading a file by hand takes them; the attribute
    // names made once (a str made from C text per lookup was a tenth of a fresh load's cost).
    static PyObject* const k_spec_from_file_location = interned("spec_from_file_location");
    static PyObject* const k_module_from_spec = interned("module_from_spec");
    static PyObject* const k_loader = interned("loader");
    static PyObject* const k_exec_module = interned("exec_module");
    py::object util = module_named("importlib.util");
    const py::str module_name(path.stem().string());
    py::object spec = util.attr(k_spec_from_file_location)(module_name, path.string());
    py::object module = util.attr(k_module_from_spec)(spec);
    PyObject* modules = PyImport_GetModuleDict();  // borrowed
    auto before = py::reinterpret_borrow<py::object>(PyDict_GetItemWithError(modules, module_name.ptr()));
    if (!before && PyErr_Occurred() != nullptr) throw py::error_already_set();
    if (PyDict_SetItem(modules, module_name.ptr(), module.ptr()) != 0) throw py::error_already_set();
    try {
      spec.attr(k_loader).attr(k_exec_module)(module);
    } catch (py::error_already_set&) {
      // The error (held by the exception, none set now) is the caller's; the entry is undone,
      // unless the module replaced itself in sys.modules, as a module may.
      if (PyDict_GetItemWithError(modules, module_name.ptr()) == module.ptr()) {
        const int undone = before ? PyDict_SetItem(modules, module_name.ptr(), before.ptr())
                                  : PyDict_DelItem(modules, module_name.ptr());
        (void)undone;  // nothing but a failed allocation could refuse it; the module's error is the one to report
      }
      PyErr_Clear();
      throw;
    }
  }

  std::string marshal(const nlohmann::json& value) const override { return source_literal(value, k_python_spelling); }

  message send_json_now(const message& payload) {
    return guarded([&] {
      if (!state().message_handler) {
        // Without a handler, Python prints the message's JSON text (print(), so that a redirected
        // sys.stdout, a notebook's, shows it; flushed, so that it comes in order with the host's
        // own output) and the reply is None, as in every runtime (docs/META.md, send-json).
        py::module_::import("builtins").attr("print")(payload.dump(), py::arg("flush") = true);
        return message();
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
    std::optional<python_program_signals> sigint;
    own_program_signals(sigint);
    py::object sys = module_named("sys");
    py::list argv;
    argv.append(path.string());
    for (const auto& a : args) argv.append(a);
    sys.attr("argv") = argv;
    const std::string dir = std::filesystem::absolute(path).parent_path().string();
    sys.attr("path").attr("insert")(0, dir);
    int status = 0;
    try {
      py::dict globals = main_dict();
      globals["__file__"] = path.string();
      py::object source = module_named("io").attr("open_code")(path.string()).attr("read")();
      py::object code = compile_source(source, py::str(path.string()), Py_file_input);
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
  int run_command_line(const std::vector<std::string>& argv) override {
    return run_python_command_line(argv, [this](std::string_view kind, const std::string& text,
                                                const std::vector<std::string>& args) { return run_command(kind, text, args); });
  }

  int run_command(std::string_view kind, const std::string& text, const std::vector<std::string>& args) {
    with_gil gil;
    std::optional<python_program_signals> sigint;
    own_program_signals(sigint);
    py::object sys = module_named("sys");
    py::list argv;
    argv.append(std::string(kind));
    for (const auto& a : args) argv.append(a);
    sys.attr("argv") = argv;
    int status = 0;
    try {
      if (kind == "-c") {
        sys.attr("path").attr("insert")(0, "");
        py::dict globals = main_dict();
        py::object code = compile_source(py::str(text), py::str("<string>"), Py_file_input);
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

  void interrupt() override { m_interpreter.interrupt_main(); }

  void before_shutdown() override {
    // An adopted Python joins its own threads when its program ends, before its atexit handlers
    // (where the hosted mode shuts the Host down).
    if (m_interpreter.adopted() || !state().alive.load()) return;
    with_gil gil;
    try {
      interpreter::join_non_daemon_threads();
    } catch (py::error_already_set& e) {
      throw_from_python(e);
    }
  }

  void shutdown() override { m_interpreter.finalize(); }

 private:
  /// A Python program's Ctrl-C as python3's, for its run (python_signal_dispositions.hpp): on
  /// Python's main thread of an interpreter of the host's own. The GIL is held.
  void own_program_signals(std::optional<python_program_signals>& s) const {
    if (!m_interpreter.adopted() && m_interpreter.on_main_thread() && state().owner != nullptr) s.emplace(*state().owner);
  }

  std::string executable() const {
    if (!m_interpreter.adopted()) return k_python;
    with_gil gil;
    return py::str(module_named("sys").attr("executable"));
  }

  /// SystemExit gives its code (None 0, an int, else printed and 1); any other exception prints
  /// its traceback like python3 does and gives 1.
  static int exit_status_of(py::error_already_set& e) {
    if (e.matches(PyExc_SystemExit)) {
      py::object code = e.value().attr("code");
      if (code.is_none()) return 0;
      if (PyLong_Check(code.ptr())) return static_cast<int>(PyLong_AsLong(code.ptr())) & 0xff;
      py::print(code, py::arg("file") = module_named("sys").attr("stderr"));
      return 1;
    }
    // An uncaught KeyboardInterrupt: 130, as python3 (which dies by SIGINT) gives the shell, also
    // when a handler of the script's own raised it (asyncio.run's does).
    const bool interrupted = e.matches(PyExc_KeyboardInterrupt);
    e.restore();
    PyErr_Print();
    return interrupted ? 128 + SIGINT : 1;
  }

  interpreter m_interpreter;
};
}  // namespace
}  // namespace promethean::python

namespace promethean {
std::unique_ptr<runtime> make_python_runtime(host& h) {
  return std::make_unique<python::python_runtime>(python::interpreter::start_own(h));
}

std::unique_ptr<runtime> make_adopted_python_runtime(host& h) {
  return std::make_unique<python::python_runtime>(python::interpreter::adopt_running(h));
}

}  // namespace promethean
