// The cold paths (issue 26, item 4): a name's first call (its resolution included), the first call
// after a redefinition, and a module's first load with the first call of its function; each beside
// the warm call of an export, and the load beside the language's own import of an equal file,
// timed inside that runtime in the same run. Every operation works on names and files made fresh
// for it, outside the timed region, in batches of k_batch_size (the batch counter divides).
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

#include "js_engine.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace promethean::bench {
namespace {

constexpr int k_batch_size = 50;
constexpr int k_load_batch_size = 10;

/// A counter shared by every cold benchmark: no name or file is used twice in one process.
std::string fresh_stem(const char* prefix) {
  static std::uint64_t next = 0;
  return std::string(prefix) + std::to_string(next++);
}

/// Where the fresh module files go: in memory (/dev/shm, a tmpfs) where there is one. Why: Python
/// writes each file's bytecode next to it, inside the timed load and import alike, and on a disk
/// file system a new file's inode is found by a scan whose cost grows with the files made and
/// removed before (ext4's search past recently deleted inodes): tens of microseconds that moved
/// both rows by more than the bridge's own cost, from run to run. In memory, a file is made in
/// the same short time every time, and what is left to compare is the load itself.
/// The folder is removed with what Python wrote into it when the process ends (in memory, what is
/// left behind would hold memory until the machine restarts).
std::filesystem::path cold_folder() {
  struct removed_at_exit {
    std::filesystem::path path;
    ~removed_at_exit() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const removed_at_exit folder = [] {
    std::error_code ec;
    const std::filesystem::path shm = "/dev/shm";
    const auto base = std::filesystem::is_directory(shm, ec) && ::access(shm.c_str(), W_OK) == 0
                          ? shm
                          : std::filesystem::temp_directory_path();
    auto f = base / ("promethean_bench_cold_" + std::to_string(::getpid()));
    std::filesystem::create_directories(f);
    return removed_at_exit{f};
  }();
  return folder.path;
}

/// Source defining functions `names` (the same adder), and source removing them again.
std::string definitions(const std::string& rt, const std::vector<std::string>& names, int plus) {
  std::string code;
  for (const auto& n : names) {
    code += rt == "py" ? "def " + n + "(a, b):\n    return a + b + " + std::to_string(plus) + "\n"
                       : "globalThis." + n + " = (a, b) => a + b + " + std::to_string(plus) + ";\n";
  }
  return rt == "py" ? code : code + "null";
}
std::string removals(const std::string& rt, const std::vector<std::string>& names) {
  std::string code;
  for (const auto& n : names) code += rt == "py" ? "del " + n + "\n" : "delete globalThis." + n + ";\n";
  return rt == "py" ? code : code + "null";
}

void expect(benchmark::State& st, const message& r, int value, const std::string& what) {
  if (r.value() != value) fail(st, what + " gave " + r.dump() + ", expected " + std::to_string(value));
}

/// First calls: k_batch_size functions defined (untimed), each then called once (timed), removed.
void first_call(benchmark::State& st, const std::string& rt) {
  define_sides();
  rss_probe probe;  // the resident memory the cold operations add (names, modules kept)
  for (auto _ : st) {
    st.PauseTiming();
    std::vector<std::string> names;
    for (int i = 0; i < k_batch_size; ++i) names.push_back(fresh_stem("bench_cold_"));
    the_host().eval(rt, definitions(rt, names, 0));
    st.ResumeTiming();
    for (const auto& n : names) expect(st, the_host().call(rt, n, nlohmann::json::array({1, 2})), 3, n);
    st.PauseTiming();
    the_host().eval(rt, removals(rt, names));
    st.ResumeTiming();
  }
  probe.finish(st);
  st.counters[k_batch] = k_batch_size;
}

/// The first call after a redefinition: k_batch_size names, each called warm once, all defined
/// anew (untimed) before every batch of first calls.
void after_redefinition(benchmark::State& st, const std::string& rt) {
  define_sides();
  std::vector<std::string> names;
  for (int i = 0; i < k_batch_size; ++i) names.push_back("bench_cold_redefined_" + std::to_string(i));
  the_host().eval(rt, definitions(rt, names, 0));
  for (const auto& n : names) the_host().call(rt, n, nlohmann::json::array({1, 2}));
  int plus = 0;
  rss_probe probe;  // the resident memory the cold operations add (names, modules kept)
  for (auto _ : st) {
    st.PauseTiming();
    ++plus;
    the_host().eval(rt, definitions(rt, names, plus));
    st.ResumeTiming();
    for (const auto& n : names) expect(st, the_host().call(rt, n, nlohmann::json::array({1, 2})), 3 + plus, n);
  }
  probe.finish(st);
  st.counters[k_batch] = k_batch_size;
}

/// Writes k_load_batch_size fresh module files defining `add`; returns their paths.
std::vector<std::filesystem::path> fresh_modules(const std::string& rt) {
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < k_load_batch_size; ++i) {
    const auto file = cold_folder() / (fresh_stem("bench_cold_mod_") + "." + rt);
    std::ofstream(file) << (rt == "py" ? "def add(a, b):\n    return a + b\n" : "exports.add = (a, b) => a + b;\n");
    files.push_back(file);
  }
  return files;
}

/// After a batch, untimed, for the load and the language's own import alike: the files removed,
/// and their modules dropped from the language's module table (py: sys.modules; js: require's
/// cache), so that a long run does not pile up thousands of modules (their memory, and garbage
/// collections that grow with them, falling now in one row and now in the other).
void forget_modules(const std::string& rt, const std::vector<std::filesystem::path>& files) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& f : files) {
    names.push_back(rt == "py" ? f.stem().string() : f.string());
    std::filesystem::remove(f);
  }
  the_host().eval(rt, rt == "py" ? "import sys as _bench_sys\nfor _n in " + names.dump() + ": _bench_sys.modules.pop(_n, None)\n"
                                 : "for (const n of " + names.dump() + ") delete require.cache[n]; null");
  if (rt == "js") {
    // `load` also keeps each module's exports for `stem.fn` calls (engine::modules): dropped too,
    // or the load row alone would pile modules up, as require's cache would without the line above.
    js::entered e;
    for (const auto& f : files) js::engine::get().modules.erase(f.stem().string());
  }
}

/// Runs `timed(files)` on a fresh batch of module files per iteration; making the files and
/// forgetting their modules afterwards (forget_modules, then `also_forget(files)`) are untimed.
template <class Timed, class AlsoForget>
void fresh_batches(benchmark::State& st, const std::string& rt, Timed&& timed, AlsoForget&& also_forget) {
  rss_probe probe;  // the resident memory the cold operations add (names, modules kept)
  for (auto _ : st) {
    st.PauseTiming();
    const auto files = fresh_modules(rt);
    st.ResumeTiming();
    timed(files);
    st.PauseTiming();
    forget_modules(rt, files);
    also_forget(files);
    st.ResumeTiming();
  }
  probe.finish(st);
  st.counters[k_batch] = k_load_batch_size;
}
void nothing_more(const std::vector<std::filesystem::path>&) {}

/// A module's first load through the host, then the first call of its function (`stem.add`).
void first_load(benchmark::State& st, const std::string& rt) {
  define_sides();
  fresh_batches(st, rt, [&](const std::vector<std::filesystem::path>& files) {
    for (const auto& f : files) {
      the_host().load(rt, f);
      expect(st, the_host().call(rt, f.stem().string() + ".add", nlohmann::json::array({1, 2})), 3, f.string());
    }
  }, nothing_more);
}

/// The language's own import, defined once in each runtime: of one file (py: importlib.util as
/// `load` does, the module put in sys.modules; js: require, the exports kept as a global of the
/// file's stem, so that the host's `stem.add` finds them), and of a list of files in a loop of the
/// language, each one's `add` called once.
void define_own_imports() {
  static const bool defined = [] {
    the_host().eval("py",
                    "import importlib.util as _bench_iu, sys as _bench_sys\n"
                    "def _bench_import(p):\n"
                    "    name = p.rsplit('/', 1)[1][:-3]\n"
                    "    spec = _bench_iu.spec_from_file_location(name, p)\n"
                    "    m = _bench_iu.module_from_spec(spec)\n"
                    "    _bench_sys.modules[name] = m\n"
                    "    spec.loader.exec_module(m)\n"
                    "    return m\n"
                    "def bench_import_one(p):\n"
                    "    _bench_import(p)\n"
                    "def bench_import_files(paths):\n"
                    "    for p in paths:\n"
                    "        if _bench_import(p).add(1, 2) != 3: raise ValueError(p)\n"
                    "    return len(paths)\n");
    the_host().eval("js",
                    "globalThis.benchRequireOne = (p) => { "
                    "globalThis[require('path').basename(p, '.js')] = require(p); return null; };\n"
                    "globalThis.benchRequireFiles = (paths) => { for (const p of paths) { "
                    "if (require(p).add(1, 2) !== 3) throw new Error(p); } return paths.length; }; null");
    return true;
  }();
  (void)defined;
}

/// The language's own import of the same fresh files, timed inside the runtime, with each one's
/// function called once; the host call that starts each batch is in the figure, ~1% of it.
void own_import(benchmark::State& st, const std::string& rt) {
  define_sides();
  define_own_imports();
  const std::string fn = rt == "py" ? "bench_import_files" : "benchRequireFiles";
  fresh_batches(st, rt, [&](const std::vector<std::filesystem::path>& files) {
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& f : files) paths.push_back(f.string());
    expect(st, the_host().call(rt, fn, nlohmann::json::array({paths})), k_load_batch_size, fn);
  }, nothing_more);
}

/// The language's own import of one fresh file per host call, then the host's first call of its
/// `stem.add`: the crossings a `load` has (two host operations per file), with the language's own
/// import inside. Beside own_import (one host call per ten files, the imports in a loop of the
/// language), it shows what the crossing per file costs, whoever makes it.
void own_import_per_host_call(benchmark::State& st, const std::string& rt) {
  define_sides();
  define_own_imports();
  const std::string fn = rt == "py" ? "bench_import_one" : "benchRequireOne";
  fresh_batches(st, rt, [&](const std::vector<std::filesystem::path>& files) {
    for (const auto& f : files) {
      the_host().call(rt, fn, nlohmann::json::array({f.string()}));
      expect(st, the_host().call(rt, f.stem().string() + ".add", nlohmann::json::array({1, 2})), 3, f.string());
    }
  }, [&](const std::vector<std::filesystem::path>& files) {
    if (rt != "js") return;  // py's modules are in sys.modules only
    nlohmann::json stems = nlohmann::json::array();
    for (const auto& f : files) stems.push_back(f.stem().string());
    the_host().eval("js", "for (const n of " + stems.dump() + ") delete globalThis[n]; null");
  });
}

/// The language's own first call of a function just defined, made inside the runtime by name
/// (py: from __main__'s dict; js: from globalThis), k_batch_size per host call: what a bridge
/// cannot avoid (V8 compiles a function on its first call; Python compiled it at `def`).
void own_first_call(benchmark::State& st, const std::string& rt) {
  define_sides();
  static const bool defined = [] {
    the_host().eval("py",
                    "def bench_call_names(names):\n"
                    "    g = globals()\n"
                    "    for n in names:\n"
                    "        if g[n](1, 2) != 3: raise ValueError(n)\n"
                    "    return len(names)\n");
    the_host().eval("js",
                    "globalThis.benchCallNames = (names) => { for (const n of names) { "
                    "if (globalThis[n](1, 2) !== 3) throw new Error(n); } return names.length; }; null");
    return true;
  }();
  (void)defined;
  const std::string fn = rt == "py" ? "bench_call_names" : "benchCallNames";
  rss_probe probe;  // the resident memory the cold operations add (names, modules kept)
  for (auto _ : st) {
    st.PauseTiming();
    std::vector<std::string> names;
    for (int i = 0; i < k_batch_size; ++i) names.push_back(fresh_stem("bench_cold_own_"));
    the_host().eval(rt, definitions(rt, names, 0));
    st.ResumeTiming();
    expect(st, the_host().call(rt, fn, nlohmann::json::array({names})), k_batch_size, fn);
    st.PauseTiming();
    the_host().eval(rt, removals(rt, names));
    st.ResumeTiming();
  }
  probe.finish(st);
  st.counters[k_batch] = k_batch_size;
}

}  // namespace

void register_cold_paths(const plan& p) {
  for (const std::string rt : {"py", "js"}) {
    const std::string what = rt == "py" ? "a function defined in __main__" : "a global function";
    add(p, {"call/host_to_" + rt + "/cold_first_call", kind::call, "host", rt, "cold_first_call", 0,
            "the first host.call of " + what + " just defined (its resolution included)"},
        [rt](benchmark::State& st) { first_call(st, rt); });
    add(p, {"call/host_to_" + rt + "/cold_after_redefinition", kind::call, "host", rt, "cold_after_redefinition", 0,
            "the first host.call of " + what + " after it was defined anew"},
        [rt](benchmark::State& st) { after_redefinition(st, rt); });
    add(p, {"call/host_to_" + rt + "/cold_load", kind::call, "host", rt, "cold_load", 0,
            "host.load of a fresh module file, then the first call of its stem.add"},
        [rt](benchmark::State& st) { first_load(st, rt); });
    add(p, {"limit/" + rt + "/first_call_fresh_function", kind::limit, rt, "", "first_call", 0,
            rt == "py" ? "py: the first call of a function just defined, made in Python by name"
                       : "js: the first call of a function just defined, made in JS by name (V8 compiles it then)"},
        [rt](benchmark::State& st) { own_first_call(st, rt); });
    add(p, {"limit/" + rt + "/import_fresh_file", kind::limit, rt, "", "import", 0,
            rt == "py" ? "py: importlib.util's import of an equal fresh file, and one call of its add"
                       : "js: require of an equal fresh file, and one call of its add"},
        [rt](benchmark::State& st) { own_import(st, rt); });
    add(p, {"limit/" + rt + "/import_fresh_file_per_host_call", kind::limit, rt, "", "import_per_call", 0,
            rt == "py" ? "py: the same import from a host call per file, then the host's first call of its add"
                       : "js: the same require from a host call per file, then the host's first call of its add"},
        [rt](benchmark::State& st) { own_import_per_host_call(st, rt); });
  }
}

}  // namespace promethean::bench
