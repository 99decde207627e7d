// The Node-hosted mode beside the embedded one (node_hosted.hpp): one JS script, timed inside a
// plain node that requires the package and inside `promethean run`, interleaved.
#include "node_hosted.hpp"

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
// The same call as a user's script makes it at its top level (issue 26, item 2).
let jsToPyTop = Infinity;
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) promethean.call('py', 'same', 1);
  jsToPyTop = Math.min(jsToPyTop, Number(process.hrtime.bigint() - t) / n);
}
(async () => {
  const figures = {
    require: requireMs,
    first_py: firstPyMs,
    js_to_py: best(jsToPy(1)),
    js_to_py_top: jsToPyTop,
    py_to_js: best(() => promethean.call('py', 'py_loop', n, 1)),
    handoff_js_to_py_1k: best(jsToPy(new Uint8Array(1 << 10))),
    handoff_js_to_py_1m: best(jsToPy(new Uint8Array(1 << 20))),
    handoff_py_to_js_1k: best(() => promethean.call('py', 'py_loop_array', n, 1 << 10)),
    thread_to_js: await threadToJs(),
  };
  console.log(JSON.stringify(figures));
})();
)js";

const std::vector<hosted_row>& rows() {
  static const std::vector<hosted_row> r{
      {"require", "require('promethean') (Python not started)", "ms"},
      {"first_py", "the first Python result (Python started)", "ms"},
      {"js_to_py", "js → py call, promethean.call('py', f, 1) in a function of the script", "ns"},
      {"js_to_py_top", "js → py call, promethean.call('py', f, 1) at the script's top level", "ns"},
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
  return measure_alternating(self, repetitions,
                             {k_script, "node_hosted_bench.js", "node/promethean/promethean.node", "NODE_PATH",
                              "/usr/bin/node", "Node-hosted", "require", rows()});
}

}  // namespace promethean::bench
