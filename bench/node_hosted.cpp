// The Node-hosted mode beside the embedded one (node_hosted.hpp): one JS script, timed inside a
// plain node that requires the package and inside `promethean run`, interleaved.
#include "node_hosted.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace promethean::bench {
namespace {

/// The figures, printed as one JSON line. Per-call figures are the best of five timed loops, in ns
/// per call. The thread row: a Python thread calls JS in a loop while the main thread waits in its
/// event loop (a timer polls for the end), the case where a hosted node's main thread must lend
/// its isolate lock (embed-node/src/js_lock_lending.hpp).
constexpr const char* k_script = R"js('use strict';
let t0 = process.hrtime.bigint();
const promethean = require('promethean');
const requireMs = Number(process.hrtime.bigint() - t0) / 1e6;
t0 = process.hrtime.bigint();
promethean.eval('py', '1');
const firstPyMs = Number(process.hrtime.bigint() - t0) / 1e6;
const n = Number(process.argv[2]);
promethean.export('same', (x) => x);
promethean.eval('py', `import numpy as np, promethean, threading, time
@promethean.export
def same(x):
    return x
def py_loop(n, arg):
    call = promethean.call
    t = time.perf_counter_ns()
    for _ in range(n):
        call("js", "same", arg)
    return (time.perf_counter_ns() - t) / n
def py_loop_array(n, size):
    return py_loop(n, np.zeros(size, dtype=np.uint8))
thread_result = []
def start_thread_loop(n):
    thread_result.clear()
    threading.Thread(target=lambda: thread_result.append(py_loop(n, 1))).start()`);
function best(measure) {
  let b = Infinity;
  for (let r = 0; r < 5; r++) b = Math.min(b, measure());
  return b;
}
function jsToPy(arg) {
  return () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) promethean.call('py', 'same', arg);
    return Number(process.hrtime.bigint() - t) / n;
  };
}
async function threadToJs() {
  let b = Infinity;
  for (let r = 0; r < 5; r++) {
    promethean.call('py', 'start_thread_loop', n);
    while (promethean.eval('py', 'len(thread_result)') === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    b = Math.min(b, promethean.eval('py', 'thread_result[0]'));
  }
  return b;
}
(async () => {
  const figures = {
    require: requireMs,
    first_py: firstPyMs,
    js_to_py: best(jsToPy(1)),
    py_to_js: best(() => promethean.call('py', 'py_loop', n, 1)),
    handoff_js_to_py_1k: best(jsToPy(new Uint8Array(1 << 10))),
    handoff_js_to_py_1m: best(jsToPy(new Uint8Array(1 << 20))),
    handoff_py_to_js_1k: best(() => promethean.call('py', 'py_loop_array', n, 1 << 10)),
    thread_to_js: await threadToJs(),
  };
  console.log(JSON.stringify(figures));
})();
)js";

struct row {
  const char* what;
  const char* description;
  const char* unit;
};

const std::vector<row>& rows() {
  static const std::vector<row> r{
      {"require", "require('promethean') (Python not started)", "ms"},
      {"first_py", "the first Python result (Python started)", "ms"},
      {"js_to_py", "js → py call, promethean.call('py', f, 1) in a JS loop", "ns"},
      {"py_to_js", "py → js call, promethean.call('js', f, 1) in a Python loop", "ns"},
      {"handoff_js_to_py_1k", "js → py handoff, a 1 KiB Uint8Array", "ns"},
      {"handoff_js_to_py_1m", "js → py handoff, a 1 MiB Uint8Array", "ns"},
      {"handoff_py_to_js_1k", "py → js handoff, a 1 KiB numpy array", "ns"},
      {"thread_to_js", "a Python thread's call of JS while node's main thread waits in its loop", "ns"},
  };
  return r;
}

}  // namespace

std::vector<hosted_measurement> measure_node_hosted(const std::string& self, int repetitions) {
  const auto here = std::filesystem::path(self).parent_path();
  const char* env = std::getenv("PROMETHEAN");
  const std::string cli = first_existing({env ? std::filesystem::path(env) : std::filesystem::path(),
                                          here.parent_path() / "promethean"},
                                         "the promethean CLI", true);
  // The package as the build assembles it (library/CMakeLists.txt): <build>/node/promethean.
  const std::string addon = first_existing({here.parent_path() / "node" / "promethean" / "promethean.node"},
                                           "the promethean npm package of the build tree", false);
  const std::string node_path = std::filesystem::path(addon).parent_path().parent_path().string();
  const auto dir = std::filesystem::temp_directory_path() / ("promethean_node_hosted_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = (dir / "node_hosted_bench.js").string();
  std::ofstream(script) << k_script;
  const std::string calls = "20000";

  std::vector<std::vector<double>> embedded(rows().size()), hosted(rows().size());
  for (int i = 0; i < repetitions; ++i) {
    const auto e = run_once({cli, "run", script, calls}, "embedded");
    std::vector<std::string> hosted_argv{"/usr/bin/env", "NODE_PATH=" + node_path};
    for (const auto& variable : sanitizer_environment()) hosted_argv.push_back(variable);
    hosted_argv.insert(hosted_argv.end(), {"/usr/bin/node", script, calls});
    const auto h = run_once(hosted_argv, "Node-hosted");
    for (std::size_t k = 0; k < rows().size(); ++k) {
      embedded[k].push_back(e.at(rows()[k].what).get<double>());
      hosted[k].push_back(h.at(rows()[k].what).get<double>());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::vector<hosted_measurement> out;
  for (std::size_t k = 0; k < rows().size(); ++k) {
    const auto& r = rows()[k];
    const bool require = std::string(r.what) == "require";  // the embedded mode has the module at start
    out.push_back({r.what, r.description, r.unit, require ? -1 : median(embedded[k]), median(hosted[k])});
  }
  return out;
}

}  // namespace promethean::bench
