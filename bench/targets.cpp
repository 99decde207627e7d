#include "targets.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <utility>

namespace promethean::bench {

namespace {

constexpr std::size_t k_1k = std::size_t{1} << 10;
constexpr std::size_t k_64m = std::size_t{64} << 20;
constexpr std::size_t k_1g = std::size_t{1} << 30;
/// A zero-copy handoff "adds no resident memory" when its timed loop raised the high-water mark
/// by less than this: the garbage of the calling loop (V8 grows its heap by pages of 256 KiB,
/// CPython by arenas) is of this order; a copy adds the buffer's size, 64 MiB or 1 GiB.
constexpr double k_rss_noise = 1024.0 * 1024;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string arrow(const std::string& from, const std::string& to) { return from + " → " + to; }

target_result ratio_target(const results& r, const std::string& what, const std::string& ours, const std::string& limit,
                           double max_ratio) {
  target_result t{what, "", "not measured"};
  const measurement* a = r.find(ours);
  const measurement* b = r.find(limit);
  if (a == nullptr || b == nullptr || a->samples_ns.empty() || b->samples_ns.empty()) return t;
  const double ratio = a->ns / b->ns;
  t.measured = time_label(a->ns) + " vs " + time_label(b->ns) + ": " + fmt("%.2f×", ratio);
  t.status = ratio <= max_ratio ? "met" : "missed";
  return t;
}

target_result absolute_target(const results& r, const std::string& what, const std::string& name, double max_ns) {
  target_result t{what, "", "not measured"};
  const measurement* a = r.find(name);
  if (a == nullptr || a->samples_ns.empty()) return t;
  t.measured = time_label(a->ns);
  t.status = a->ns <= max_ns ? "met" : "missed";
  return t;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& handoff_paths() {
  static const std::vector<std::pair<std::string, std::string>> paths = {
      {"host", "py"}, {"host", "js"}, {"host", "rust"}, {"py", "js"}, {"py", "rust"}, {"js", "py"}, {"js", "rust"}};
  return paths;
}

std::string size_label(std::size_t bytes) {
  if (bytes >= k_1g && bytes % k_1g == 0) return std::to_string(bytes / k_1g) + " GiB";
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= k_1k && bytes % k_1k == 0) return std::to_string(bytes / k_1k) + " KiB";
  return std::to_string(bytes) + " B";
}

std::string time_label(double ns) {
  if (ns < 10) return fmt("%.1f ns", ns);
  if (ns < 1e3) return fmt("%.0f ns", ns);
  if (ns < 1e4) return fmt("%.2f µs", ns / 1e3);
  if (ns < 1e6) return fmt("%.1f µs", ns / 1e3);
  if (ns < 1e7) return fmt("%.2f ms", ns / 1e6);
  if (ns < 1e9) return fmt("%.1f ms", ns / 1e6);
  return fmt("%.2f s", ns / 1e9);
}

std::vector<target_result> evaluate_targets(const results& r) {
  std::vector<target_result> out;
  // Judged first on the public API a loop uses for one function (a callable resolved once, typed
  // arguments: the raw limits too call one function object they looked up once, with ints), then
  // on host.call by name with a JSON argument list built per call. The resolved call's bound is
  // issue 18's (1.25×; 1.5× before).
  out.push_back(ratio_target(r, "host → py ≤ 1.25× the raw vectorcall (a resolved callable, typed arguments)",
                             "call/host_to_py/resolved", "limit/py/vectorcall_with_gil", 1.25));
  out.push_back(ratio_target(r, "host → py ≤ 1.5× the raw vectorcall (host.call by name, JSON arguments built per call)",
                             "call/host_to_py/json", "limit/py/vectorcall_with_gil", 1.5));
  out.push_back(ratio_target(r, "host → js ≤ 1.25× the raw v8::Function::Call (a resolved callable, typed arguments)",
                             "call/host_to_js/resolved", "limit/js/v8_call_with_lock", 1.25));
  out.push_back(ratio_target(r, "host → js ≤ 1.5× the raw v8::Function::Call (host.call by name, JSON arguments built per call)",
                             "call/host_to_js/json", "limit/js/v8_call_with_lock", 1.5));
  out.push_back(absolute_target(r, "py → js ≤ 500 ns", "call/py_to_js/json", 500));
  out.push_back(absolute_target(r, "js → py ≤ 500 ns", "call/js_to_py/json", 500));
  // Async calls (issue 21): the round trip when the result is there at once, and the fan-outs.
  out.push_back(absolute_target(r, "py → js async call, result there at once, ≤ 5 µs", "call/py_to_js/async_settled", 5e3));
  out.push_back(absolute_target(r, "js → py async call of an async def that returns at once ≤ 5 µs",
                                "call/js_to_py/async_coroutine", 5e3));
  out.push_back(absolute_target(r, "asyncio: 1,000 concurrent call_async of 100 ms JS Promises ≤ 400 ms",
                                "call/py_to_js/fan_out_1000", 400e6));
  out.push_back(absolute_target(r, "JS: 1,000 concurrent callAsync of 100 ms Python coroutines ≤ 400 ms",
                                "call/js_to_py/fan_out_1000", 400e6));
  out.push_back(absolute_target(r, "meta: await-all over 100 call-async of 100 ms JS Promises ≤ 300 ms",
                                "call/meta_to_js/fan_out_100", 300e6));
  // Judged on the public API a loop uses for one plugin function (a callable resolved once,
  // typed arguments); the by-name call with a JSON argument list is judged beside it.
  out.push_back(absolute_target(r, "host → rust ≤ 50 ns (a resolved callable, typed arguments)",
                                "call/host_to_rust/resolved", 50));
  out.push_back(absolute_target(r, "host → rust ≤ 50 ns (host.call by name, JSON arguments built per call)",
                                "call/host_to_rust/json", 50));
  // The Rust SDK's serde feature (issue 22): a plugin taking a serde struct costs at most 1.2× the
  // same plugin taking the SDK's own Json value.
  out.push_back(ratio_target(r, "host → rust: a serde struct argument ≤ 1.2× the SDK's Json value",
                             "call/host_to_rust/serde_struct", "call/host_to_rust/json_value", 1.2));

  for (const auto& [from, to] : handoff_paths()) {
    // ≤ 1.5 µs at every size measured (issue 18; 2 µs before), and flat: the 1 GiB handoff within
    // 2× the 1 KiB one.
    target_result fast{arrow(from, to) + " zero-copy ≤ 1.5 µs at every size and flat (1 GiB ≤ 2× 1 KiB)", "",
                       "not measured"};
    const measurement* small = r.handoff(from, to, "zero_copy", k_1k);
    const measurement* large = r.handoff(from, to, "zero_copy", k_1g);
    double worst = 0;
    std::size_t worst_size = 0;
    bool any = false;
    bool broken = false;
    for (const auto& m : r.benchmarks) {
      if (m.info.what != kind::handoff || m.info.from != from || m.info.to != to || m.info.variant != "zero_copy") continue;
      if (!m.error.empty() || m.samples_ns.empty()) {
        broken = true;
        continue;
      }
      any = true;
      if (m.ns > worst) {
        worst = m.ns;
        worst_size = m.info.bytes;
      }
    }
    if (any && small != nullptr && large != nullptr && !small->samples_ns.empty() && !large->samples_ns.empty() && !broken) {
      const double flat = large->ns / small->ns;
      fast.measured = "slowest " + time_label(worst) + " (" + size_label(worst_size) + "); 1 GiB / 1 KiB = " +
                      fmt("%.2f×", flat);
      fast.status = worst <= 1500 && flat <= 2.0 ? "met" : "missed";
    } else if (any) {
      fast.measured = "slowest " + time_label(worst) + " (" + size_label(worst_size) + "); no 1 GiB figure in this run";
    }
    out.push_back(fast);

    target_result vs_json{arrow(from, to) + " zero-copy ≥ 1000× faster than the JSON path at 64 MiB", "", "not measured"};
    const measurement* z = r.handoff(from, to, "zero_copy", k_64m);
    const measurement* j = r.handoff(from, to, "json", k_64m);
    if (z != nullptr && j != nullptr && !z->samples_ns.empty() && !j->samples_ns.empty()) {
      const double speedup = j->ns / z->ns;
      vs_json.measured = time_label(z->ns) + " vs " + time_label(j->ns) + ": " + fmt("%.0f×", speedup);
      vs_json.status = speedup >= 1000 ? "met" : "missed";
    } else {
      vs_json.measured = "the JSON path at 64 MiB runs in the full run only";
    }
    out.push_back(vs_json);
  }

  // Issue 26: every naming route within 1.2× of an export, and the cold paths within 10× a warm
  // call (a load: beyond the language's own import of an equal file, measured in the same run).
  for (const std::string rt : {"py", "js"}) {
    const std::string base = "call/host_to_" + rt + "/";
    for (const std::string& route : rt == "py" ? std::vector<std::string>{"route_main", "route_loaded"}
                                              : std::vector<std::string>{"route_global", "route_loaded"}) {
      out.push_back(ratio_target(r, "host → " + rt + " by " + route.substr(6) + " ≤ 1.2× an export", base + route,
                                 base + "json", 1.2));
    }
    // Each cold path beyond what the language itself pays for it (V8 compiles a function on its
    // first call; a load is an import), measured in the same run.
    const std::pair<const char*, const char*> colds[] = {
        {"cold_first_call", "first_call_fresh_function"},
        {"cold_after_redefinition", "first_call_fresh_function"},
        {"cold_load", "import_fresh_file"}};
    for (const auto& [cold, own_name] : colds) {
      target_result t{"host → " + rt + ", " + std::string(cold + 5) + " ≤ the language's own cost + 10× a warm call",
                      "", "not measured"};
      const measurement* ours = r.find(base + cold);
      const measurement* own = r.find("limit/" + rt + "/" + own_name);
      const measurement* warm = r.find(base + "json");
      if (ours != nullptr && own != nullptr && warm != nullptr && !ours->samples_ns.empty() &&
          !own->samples_ns.empty() && !warm->samples_ns.empty()) {
        const double beyond = std::max(0.0, ours->ns - own->ns);
        t.measured = time_label(ours->ns) + " vs the language's " + time_label(own->ns) + ": " +
                     fmt("%.1f× a warm call beyond it", beyond / warm->ns);
        t.status = beyond <= 10 * warm->ns ? "met" : "missed";
        // The same import made from a host call per file has the crossings a load has: said beside.
        const measurement* per_call = r.find("limit/" + rt + "/import_fresh_file_per_host_call");
        if (std::string(cold) == "cold_load" && per_call != nullptr && !per_call->samples_ns.empty()) {
          t.measured += "; the same import from a host call per file: " + time_label(per_call->ns) + ", load " +
                        fmt("%.1f× a warm call beyond that", std::max(0.0, ours->ns - per_call->ns) / warm->ns);
        }
      }
      out.push_back(t);
    }
  }

  for (const std::string to : {"js", "rust"}) {
    // Issue 22: a torch.Tensor crosses through DLPack as fast as a numpy array, at every size.
    target_result torch{arrow("py", to) + " a torch.Tensor ≤ 2 µs at 64 MiB and flat (1 GiB ≤ 2× 1 KiB)", "",
                        "not measured"};
    const measurement* t64 = r.handoff("py", to, "torch", k_64m);
    const measurement* t1k = r.handoff("py", to, "torch", k_1k);
    const measurement* t1g = r.handoff("py", to, "torch", k_1g);
    const auto ok = [](const measurement* m) { return m != nullptr && m->error.empty() && !m->samples_ns.empty(); };
    if (ok(t64) && ok(t1k) && ok(t1g)) {
      const double flat = t1g->ns / t1k->ns;
      torch.measured = time_label(t64->ns) + " at 64 MiB; 1 GiB / 1 KiB = " + fmt("%.2f×", flat);
      torch.status = t64->ns <= 2000 && flat <= 2.0 ? "met" : "missed";
    } else if (ok(t1k)) {
      torch.measured = time_label(t1k->ns) + " at 1 KiB; the 64 MiB and 1 GiB rows run in the quick and full runs";
    }
    out.push_back(torch);
  }

  // Issue 25: runtimes in worker processes.
  out.push_back(absolute_target(r, "host → a py worker process, call round trip ≤ 10 µs",
                                "process/host_to_py_worker/json", 10e3));
  {
    target_result t{"host → a py worker process, buffer handoff ≤ 20 µs at every size and flat (1 GiB ≤ 2× 1 KiB)", "",
                    "not measured"};
    double worst = 0;
    std::size_t worst_size = 0;
    const measurement* small = r.find("process/host_to_py_worker/buffer/" + std::to_string(k_1k));
    const measurement* large = r.find("process/host_to_py_worker/buffer/" + std::to_string(k_1g));
    for (const auto& m : r.benchmarks) {
      if (m.info.what != kind::process || m.info.variant != "buffer" || m.samples_ns.empty()) continue;
      if (m.ns > worst) {
        worst = m.ns;
        worst_size = m.info.bytes;
      }
    }
    if (worst > 0 && small != nullptr && large != nullptr && !small->samples_ns.empty() && !large->samples_ns.empty()) {
      const double flat = large->ns / small->ns;
      t.measured = "slowest " + time_label(worst) + " (" + size_label(worst_size) + "); 1 GiB / 1 KiB = " + fmt("%.2f×", flat);
      t.status = worst <= 20e3 && flat <= 2.0 ? "met" : "missed";
    } else if (worst > 0) {
      t.measured = "slowest " + time_label(worst) + " (" + size_label(worst_size) + "); no 1 GiB figure in this run";
    }
    out.push_back(t);
  }
  {
    target_result t{"pool: CPU-bound Python over 4 chunks of one shared array, 4 py workers ≥ 1.8× faster than 1", "",
                    "not measured"};
    const measurement* one = r.find("process/pool/1");
    const measurement* four = r.find("process/pool/4");
    if (one != nullptr && four != nullptr && !one->samples_ns.empty() && !four->samples_ns.empty()) {
      const double speedup = one->ns / four->ns;
      t.measured = time_label(one->ns) + " on 1 vs " + time_label(four->ns) + " on 4: " + fmt("%.2f×", speedup);
      t.status = speedup >= 1.8 ? "met" : "missed";
    }
    out.push_back(t);
  }

  target_result rss{"no resident memory added by a zero-copy handoff (< 1 MiB at every size and path)", "",
                    "not measured"};
  double most = -1;
  std::string where;
  bool unknown = false;
  for (const auto& m : r.benchmarks) {
    if (m.info.what != kind::handoff || m.info.variant != "zero_copy" || m.samples_ns.empty()) continue;
    if (m.peak_rss_added < 0) unknown = true;
    if (m.peak_rss_added > most) {
      most = m.peak_rss_added;
      where = arrow(m.info.from, m.info.to) + " at " + size_label(m.info.bytes);
    }
  }
  if (most >= 0 && !unknown) {
    rss.measured = "largest " + fmt("%.0f KiB", most / 1024) + " (" + where + ")";
    rss.status = most < k_rss_noise ? "met" : "missed";
  } else if (unknown) {
    rss.measured = "this kernel does not let a process reset its resident high-water mark";
  }
  out.push_back(rss);

  auto startup_ms = [&](const std::string& what) -> double {
    for (const auto& s : r.startup) {
      if (s.what == what) return s.ms;
    }
    return -1;
  };
  target_result start{"all runtimes started ≤ 150 ms", "", "not measured"};
  if (const double all = startup_ms("all"); all >= 0) {
    start.measured = fmt("%.0f ms", all) + " to the first result of py, js, rust and sh in one process";
    start.status = all <= 150 ? "met" : "missed";
  }
  out.push_back(start);

  target_result floor{"a Host with no runtime started ≤ 10 ms", "", "not measured"};
  if (const double host = startup_ms("host"); host >= 0) {
    floor.measured = fmt("%.1f ms", host) + " (a process linked against libpromethean.so, no engine loaded)";
    floor.status = host <= 10 ? "met" : "missed";
  }
  out.push_back(floor);

  // The CLI against the standalone interpreter on the same one-line script, in the same run.
  auto against = [&](const char* label, const char* ours, const char* theirs, double limit) {
    target_result t{label, "", "not measured"};
    const double a = startup_ms(ours), b = startup_ms(theirs);
    if (a >= 0 && b > 0) {
      t.measured = fmt("%.2f×", a / b) + " (" + fmt("%.1f", a) + " against " + fmt("%.1f ms", b) + ")";
      t.status = a / b <= limit ? "met" : "missed";
    }
    out.push_back(t);
  };
  against("promethean run hello.py ≤ 1.5× python3 hello.py", "run.py", "python3.py", 1.5);
  against("promethean run hello.js ≤ 1.1× node hello.js", "run.js", "node.js", 1.1);

  // The Python-hosted mode (issue 19): its calls and handoffs within 1.1× of the embedded mode's
  // in the same run, and `import promethean` ≤ 50 ms with JS not started.
  for (const auto& h : r.hosted) {
    if (h.what == "import") {
      target_result t{"import promethean in python3 ≤ 50 ms (JS not started)", fmt("%.1f ms", h.hosted),
                      h.hosted <= 50 ? "met" : "missed"};
      out.push_back(t);
    } else if (h.unit == "ns" && h.embedded > 0 && h.what.rfind("py_own", 0) != 0) {  // Python's own: no target
      const double ratio = h.hosted / h.embedded;
      out.push_back({"hosted " + h.description + " ≤ 1.1× embedded",
                     time_label(h.hosted) + " vs " + time_label(h.embedded) + ": " + fmt("%.2f×", ratio),
                     ratio <= 1.1 ? "met" : "missed"});
    }
  }
  // The Node-hosted mode (issue 20): within 1.1× of the embedded mode's figures in the same run,
  // except a foreign thread's call of JS, which must hop through node's loop (measured, and
  // explained in docs/NODE.md), and require('promethean') ≤ 50 ms with Python not started.
  for (const auto& h : r.node_hosted) {
    if (h.what == "require") {
      out.push_back({"require('promethean') in node ≤ 50 ms (Python not started)", fmt("%.1f ms", h.hosted),
                     h.hosted <= 50 ? "met" : "missed"});
    } else if (h.what != "thread_to_js" && h.embedded > 0) {  // that one is in the table only
      const double ratio = h.hosted / h.embedded;
      const auto label = [&](double v) { return h.unit == "ms" ? fmt("%.1f ms", v) : time_label(v); };
      out.push_back({"Node-hosted " + h.description + " ≤ 1.1× embedded",
                     label(h.hosted) + " vs " + label(h.embedded) + ": " + fmt("%.2f×", ratio),
                     ratio <= 1.1 ? "met" : "missed"});
    }
  }
  // Calls from a user's script (issue 26, item 2): py → js and js → py ≤ 500 ns, in a function of
  // the script and at its top level, under promethean run and in the hosted mode.
  const auto from_script = [&](const std::vector<hosted_measurement>& rows, const char* what, const char* run,
                               const char* hosted_run) {
    // Python's own top level costs more per call than a function (module globals by name, the
    // attribute looked up per call): measured beside, and said with the top-level figure.
    const auto find = [&](const char* row) -> const hosted_measurement* {
      for (const auto& h : rows) {
        if (h.what == row) return &h;
      }
      return nullptr;
    };
    const hosted_measurement* own = find("py_own_call");
    const hosted_measurement* own_top = find("py_own_call_top");
    for (const auto& h : rows) {
      const bool top = h.what == std::string(what) + "_top";
      if (h.what != what && !top) continue;
      for (const auto& [mode, v, own_in, own_at_top] :
           {std::tuple{run, h.embedded, own ? own->embedded : 0.0, own_top ? own_top->embedded : 0.0},
            std::tuple{hosted_run, h.hosted, own ? own->hosted : 0.0, own_top ? own_top->hosted : 0.0}}) {
        if (v <= 0) continue;
        std::string measured = time_label(v);
        if (top && own_in > 0 && own_at_top > 0) {
          measured += " (Python's own top level adds " + time_label(own_at_top - own_in) + " to a call of that shape)";
        }
        out.push_back({h.description + ", " + mode + ", ≤ 500 ns", measured, v <= 500 ? "met" : "missed"});
      }
    }
  };
  from_script(r.hosted, "py_to_js", "promethean run app.py", "python3 app.py");
  from_script(r.node_hosted, "js_to_py", "promethean run app.js", "node app.js");
  return out;
}

}  // namespace promethean::bench
