#include "hosted.hpp"

#include "child_process.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace promethean::bench {

namespace {

/// The figures, printed as one JSON line. Per-call figures are the best of five timed loops (the
/// least disturbed by the rest of the machine), in ns per call.
constexpr const char* k_script = R"py(import sys, time
t0 = time.perf_counter()
import promethean
import_ms = (time.perf_counter() - t0) * 1e3
import json
import numpy as np
t0 = time.perf_counter()
promethean.eval("js", "1")
first_js_ms = (time.perf_counter() - t0) * 1e3
n = int(sys.argv[1])
promethean.eval("js", "globalThis.same = (x) => x")
@promethean.export
def same(x):
    return x
call = promethean.call
def per_call(loop):
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter_ns()
        loop()
        best = min(best, (time.perf_counter_ns() - t) / n)
    return best
def in_a_function(f, arg):
    def loop():
        for _ in range(n):
            f("js", "same", arg)
    return loop
def py_to_js(arg):
    return in_a_function(call, arg)
def at_top_level(statement):
    # The same line as a user's script has it at its top level: module code run in this script's
    # globals, so its names are looked up as a top-level line's are (LOAD_NAME, the module's
    # attribute per call, STORE_NAME of the loop variable).
    code = compile("for i in range(n):\n    " + statement + "\n", "<top level>", "exec")
    return lambda: exec(code, globals())
js_loop = ("(() => { const t = process.hrtime.bigint(); for (let i = 0; i < %d; i++) promethean.call('py', 'same', i);"
           " return Number(process.hrtime.bigint() - t) / %d })()") % (n, n)
js_to_py = min(promethean.eval("js", js_loop) for _ in range(5))
# Python's own share: the same call shape (a module's function of three arguments) to a plain
# Python function, no bridge, in a function and at the top level; the difference is what Python's
# top level itself adds.
import types
plain = types.ModuleType("plain")
def _plain_call(runtime, name, x):
    return x
plain.call = _plain_call
print(json.dumps({
    "import": import_ms,
    "first_js": first_js_ms,
    "py_to_js": per_call(py_to_js(1)),
    "py_to_js_top": per_call(at_top_level('promethean.call("js", "same", 1)')),
    "py_own_call": per_call(in_a_function(plain.call, 1)),
    "py_own_call_top": per_call(at_top_level('plain.call("js", "same", 1)')),
    "js_to_py": js_to_py,
    "handoff_py_to_js_1k": per_call(py_to_js(np.zeros(1 << 10, dtype=np.uint8))),
    "handoff_py_to_js_1m": per_call(py_to_js(np.zeros(1 << 20, dtype=np.uint8))),
}), flush=True)
)py";

const std::vector<hosted_row>& rows() {
  static const std::vector<hosted_row> r{
      {"import", "import promethean (JS not started)", "ms"},
      {"first_js", "the first JS result (Node started)", "ms"},
      {"py_to_js", "py → js call, promethean.call('js', f, 1) in a function of the script", "ns"},
      {"py_to_js_top", "py → js call, promethean.call('js', f, 1) at the script's top level", "ns"},
      {"py_own_call", "Python's own call of that shape, plain.call('js', f, 1) of a Python function, in a function",
       "ns"},
      {"py_own_call_top", "Python's own call of the same shape at the script's top level", "ns"},
      {"js_to_py", "js → py call, promethean.call('py', f, i) in a JS loop", "ns"},
      {"handoff_py_to_js_1k", "py → js handoff, a 1 KiB numpy array", "ns"},
      {"handoff_py_to_js_1m", "py → js handoff, a 1 MiB numpy array", "ns"},
  };
  return r;
}

}  // namespace

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string first_existing(const std::vector<std::filesystem::path>& candidates, const std::string& what, bool executable) {
  std::string tried;
  for (const auto& c : candidates) {
    if (!c.empty() && ::access(c.c_str(), executable ? X_OK : F_OK) == 0) return c.string();
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw std::runtime_error("hosted: " + what + " not found (looked at " + tried + ")");
}

nlohmann::json run_once(const std::vector<std::string>& argv, const char* mode) {
  child_process child(argv);
  const std::string line = child.read_line();
  if (const int status = child.finish(); status != 0) {
    throw std::runtime_error(std::string("hosted: the ") + mode + " run exited with status " + std::to_string(status));
  }
  try {
    return nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(std::string("hosted: the ") + mode + " run printed '" + line + "', not its figures");
  }
}

/// The environment a plain python3 needs to load this build's extension: none, except in a
/// sanitized build, whose runtimes (those this process has mapped) must come first in python3
/// too, LeakSanitizer off there as in the hosted tests (docs/PYTHON.md, "Under ASan").
std::vector<std::string> sanitizer_environment() {
  std::ifstream maps("/proc/self/maps");
  std::vector<std::string> runtimes;
  for (std::string line; std::getline(maps, line);) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const bool sanitizer = path.find("/libasan.so") != std::string::npos || path.find("/libubsan.so") != std::string::npos;
    if (sanitizer && std::find(runtimes.begin(), runtimes.end(), path) == runtimes.end()) runtimes.push_back(path);
  }
  if (runtimes.empty()) return {};
  // ASan's runtime must be the very first library.
  std::stable_partition(runtimes.begin(), runtimes.end(), [](const std::string& r) { return r.find("/libasan.so") != std::string::npos; });
  std::string preload;
  for (const auto& r : runtimes) preload += (preload.empty() ? "" : " ") + r;
  const char* asan = std::getenv("ASAN_OPTIONS");
  return {"LD_PRELOAD=" + preload, std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") + "detect_leaks=0"};
}

std::vector<std::string> hosted_command(const std::string& path_variable, const std::string& package_path,
                                        const std::string& interpreter, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{"/usr/bin/env"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(path_variable + "=" + package_path);
  for (const auto& variable : sanitizer_environment()) argv.push_back(variable);
  argv.push_back(interpreter);
  return argv;
}

std::vector<hosted_measurement> measure_alternating(const std::string& self, int repetitions,
                                                     const alternating_plan& plan) {
  const auto here = std::filesystem::path(self).parent_path();
  const char* env = std::getenv("PROMETHEAN");
  const std::string cli = first_existing({env ? std::filesystem::path(env) : std::filesystem::path(),
                                          here.parent_path() / "promethean"},
                                         "the promethean CLI", true);
  // The package as the build assembles it (library/CMakeLists.txt).
  const std::string package = first_existing({here.parent_path() / plan.package_file},
                                             std::string("the ") + plan.hosted_mode + " package of the build tree", false);
  const std::string package_path = std::filesystem::path(package).parent_path().parent_path().string();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("promethean_" + std::string(plan.script_name) + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = (dir / plan.script_name).string();
  std::ofstream(script) << plan.script_text;
  const std::string calls = "20000";

  const auto& rows = plan.rows;
  std::vector<std::vector<double>> embedded(rows.size()), hosted(rows.size());
  for (int i = 0; i < repetitions; ++i) {
    const auto e = run_once({cli, "run", script, calls}, "embedded");
    std::vector<std::string> hosted_argv = hosted_command(plan.path_variable, package_path, plan.interpreter);
    hosted_argv.insert(hosted_argv.end(), {script, calls});
    const auto h = run_once(hosted_argv, plan.hosted_mode);
    for (std::size_t n = 0; n < rows.size(); ++n) {
      embedded[n].push_back(e.at(rows[n].what).get<double>());
      hosted[n].push_back(h.at(rows[n].what).get<double>());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::vector<hosted_measurement> out;
  for (std::size_t n = 0; n < rows.size(); ++n) {
    const auto& r = rows[n];
    const bool none = std::string(r.what) == plan.not_embedded;  // the embedded mode has the module at start
    out.push_back({r.what, r.description, r.unit, none ? -1 : median(embedded[n]), median(hosted[n])});
  }
  return out;
}

std::vector<hosted_measurement> measure_hosted(const std::string& self, int repetitions) {
  return measure_alternating(self, repetitions,
                             {k_script, "hosted_bench.py", "python/promethean/__init__.py", "PYTHONPATH",
                              "/usr/bin/python3", "hosted", "import", rows()});
}

}  // namespace promethean::bench
