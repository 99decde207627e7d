#include "peers.hpp"

#include "hosted.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace promethean::bench {

namespace {

/// The module every side calls: the same two functions in each language.
constexpr const char* k_python_module = R"py(def add(a, b):
    return a + b


def size(buf):
    return len(buf)
)py";

constexpr const char* k_js_module = R"js(exports.add = (a, b) => a + b;
exports.size = (buf) => buf.length;
)js";

/// A JS caller: argv = ADD_CALLS ARRAY_CALLS MODULE. `@SETUP@` makes `m` (or whatever the calls
/// use); `@ADD@` and `@SIZE@` are the call expressions as a user writes them (`@AWAIT@` is "await"
/// for a peer whose calls are Promises). Each figure is the best of five loops, in ns per call.
constexpr const char* k_js_caller = R"js('use strict';
const [addN, arrayN, modulePath] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const u = new Uint8Array(1 << 20);
(async () => {
  @SETUP@
  async function best(n, loop) {
    let b = Infinity;
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint();
      await loop(n);
      b = Math.min(b, Number(process.hrtime.bigint() - t) / n);
    }
    return b;
  }
  const three = @AWAIT@ @ADD1@;
  const length = @AWAIT@ @SIZE@;
  if (Number(three) !== 3 || Number(length) !== u.length) throw new Error(`wrong results: ${three}, ${length}`);
  const figures = {
    add: await best(addN, async (n) => { for (let i = 0; i < n; i++) @AWAIT@ @ADD@; }),
    array_1m: await best(arrayN, async (n) => { for (let i = 0; i < n; i++) @AWAIT@ @SIZE@; }),
  };
  console.log(JSON.stringify(figures));
  @TEARDOWN@
})().catch((e) => { console.error(e); process.exit(1); });
)js";

/// A Python caller, the same way: argv = ADD_CALLS ARRAY_CALLS MODULE.
constexpr const char* k_python_caller = R"py(import json, sys, time
add_n, array_n, module_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
b = bytearray(1 << 20)
@SETUP@
def add_loop(n):
    for i in range(n):
        @ADD@
def size_loop(n):
    for i in range(n):
        @SIZE@
def best(n, loop):
    fastest = float("inf")
    for _ in range(5):
        t = time.perf_counter_ns()
        loop(n)
        fastest = min(fastest, (time.perf_counter_ns() - t) / n)
    return fastest
i = 1
three, length = @ADD@, @SIZE@
if three != 3 or length != len(b):
    raise SystemExit("wrong results: %r, %r" % (three, length))
print(json.dumps({"add": best(add_n, add_loop), "array_1m": best(array_n, size_loop)}), flush=True)
)py";

/// Every side runs with Debian's tools first on PATH: node-calls-python's embedded CPython finds
/// its standard library from the first python3 there (a pyenv python3 first makes it crash), and
/// the comparison is fairest with one environment for all.
constexpr const char* k_debian_path = "PATH=/usr/bin:/bin";

std::string replaced(std::string text, const std::vector<std::pair<std::string, std::string>>& by) {
  for (const auto& [key, value] : by) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

/// One side of a comparison: how its script is made and run.
struct side {
  std::string name;         ///< "promethean" or the peer's name
  std::string script_name;  ///< "ours_js_to_py.js"
  std::string script;
  std::vector<std::string> argv_before_script;  ///< the interpreter, with its environment
  int add_calls = 0;
  int array_calls = 0;
};

side js_side(std::string name, std::string script_name, const std::string& setup, const std::string& add,
             const std::string& size, bool awaited, const std::string& teardown, std::vector<std::string> interpreter,
             int add_calls, int array_calls) {
  std::string add1 = replaced(add, {{"i, 2", "1, 2"}});
  std::string script = replaced(k_js_caller, {{"@SETUP@", setup}, {"@AWAIT@", awaited ? "await" : ""},
                                              {"@ADD1@", add1}, {"@ADD@", add}, {"@SIZE@", size}, {"@TEARDOWN@", teardown}});
  return {std::move(name), std::move(script_name), std::move(script), std::move(interpreter), add_calls, array_calls};
}

side python_side(std::string name, std::string script_name, const std::string& setup, const std::string& add,
                 const std::string& size, std::vector<std::string> interpreter, int add_calls, int array_calls) {
  std::string script = replaced(k_python_caller, {{"@SETUP@", setup}, {"@ADD@", add}, {"@SIZE@", size}});
  return {std::move(name), std::move(script_name), std::move(script), std::move(interpreter), add_calls, array_calls};
}

/// The figures of `repetitions` runs of each side, alternating (ours, theirs, ours, …), so that
/// the machine's drift falls on both alike: median ns per call of "add" and "array_1m".
std::vector<std::pair<double, double>> run_alternating(const std::vector<side>& sides, const std::filesystem::path& dir,
                                                       const std::string& module, int repetitions) {
  std::vector<std::vector<double>> add(sides.size()), array(sides.size());
  for (const auto& s : sides) std::ofstream(dir / s.script_name) << s.script;
  for (int r = 0; r < repetitions; ++r) {
    for (std::size_t k = 0; k < sides.size(); ++k) {
      const side& s = sides[k];
      std::vector<std::string> argv = s.argv_before_script;
      argv.insert(argv.end(), {(dir / s.script_name).string(), std::to_string(s.add_calls),
                               std::to_string(s.array_calls), module});
      const auto figures = run_once(argv, s.name.c_str());
      add[k].push_back(figures.at("add").get<double>());
      array[k].push_back(figures.at("array_1m").get<double>());
    }
  }
  std::vector<std::pair<double, double>> out;
  for (std::size_t k = 0; k < sides.size(); ++k) out.emplace_back(median(add[k]), median(array[k]));
  return out;
}

bool installed_at(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

}  // namespace

std::filesystem::path peers_folder() {
  if (const char* chosen = std::getenv("PROMETHEAN_PEERS"); chosen != nullptr && *chosen != '\0') return chosen;
  if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache != nullptr && *cache != '\0') {
    return std::filesystem::path(cache) / "promethean" / "peers";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/root") / ".cache" / "promethean" / "peers";
}

std::vector<peer_measurement> measure_peers(const std::string& self, const std::filesystem::path& folder, int repetitions) {
  const auto build = std::filesystem::path(self).parent_path().parent_path();
  const std::string python_package = first_existing({build / "python" / "promethean" / "__init__.py"},
                                                    "the Python package of the build tree", false);
  const std::string node_package = first_existing({build / "node" / "promethean" / "promethean.node"},
                                                  "the Node package of the build tree", false);
  const auto dir = std::filesystem::temp_directory_path() / ("promethean_peers_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct cleanup {
    std::filesystem::path dir;
    ~cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove_dir{dir};
  std::ofstream(dir / "peer_mod.py") << k_python_module;
  std::ofstream(dir / "peer_mod.js") << k_js_module;

  auto hosted = [&](const std::string& variable, const std::string& package, const std::string& interpreter) {
    return hosted_command(variable, std::filesystem::path(package).parent_path().parent_path().string(), interpreter,
                          {k_debian_path});
  };
  const auto modules = folder / "node_modules";
  const std::vector<std::string> plain_node{"/usr/bin/env", k_debian_path, "/usr/bin/node"};
  std::vector<peer_measurement> rows;

  // js → py, from a plain node. The README's way on our side: load the module, call stem.fn.
  {
    const side ours = js_side("promethean (Node-hosted)", "ours_js_to_py.js",
                              "const promethean = require('promethean'); promethean.load('py', modulePath);",
                              "promethean.call('py', 'peer_mod.add', i, 2)", "promethean.call('py', 'peer_mod.size', u)",
                              false, "", hosted("NODE_PATH", node_package, "/usr/bin/node"), 20000, 2000);
    struct peer {
      const char* name;
      std::filesystem::path marker;
      side how;
      const char* how_theirs;
    };
    const std::vector<peer> peers{
        {"node-calls-python", modules / "node-calls-python" / "package.json",
         js_side("node-calls-python", "ncp_js_to_py.js",
                 "const py = require(" + nlohmann::json((modules / "node-calls-python").string()).dump() +
                     ").interpreter; const m = py.importSync(modulePath);",
                 "py.callSync(m, 'add', i, 2)", "py.callSync(m, 'size', u)", false, "", plain_node, 20000, 200),
         "copied into a Python bytes"},
        {"pythonia", modules / "pythonia" / "package.json",
         js_side("pythonia", "pythonia_js_to_py.js",
                 "const { python } = require(" + nlohmann::json((modules / "pythonia").string()).dump() +
                     "); const m = await python(modulePath);",
                 "m.add(i, 2)", "m.size(Array.from(u))", true, "python.exit();", plain_node, 300, 1),
         "as a JSON array of numbers (a TypedArray crosses as a proxy, its bytes not at all)"},
    };
    std::vector<side> sides{ours};
    for (const auto& p : peers) {
      if (installed_at(p.marker)) sides.push_back(p.how);
    }
    const auto figures = run_alternating(sides, dir, (dir / "peer_mod.py").string(), repetitions);
    for (const auto& p : peers) {
      double add = -1, array = -1;
      for (std::size_t k = 1; k < sides.size(); ++k) {
        if (sides[k].name == p.name) std::tie(add, array) = figures[k];
      }
      const bool installed = add >= 0;
      rows.push_back({p.name, "js → py", "add", "add(i, 2) from a function of the script", "", installed, figures[0].first, add});
      rows.push_back({p.name, "js → py", "array_1m", "a 1 MiB Uint8Array in, its length back", p.how_theirs, installed,
                      figures[0].second, array});
    }
  }

  // py → js, from a plain python3 (the venv install-peers made holds PythonMonkey).
  {
    const side ours = python_side("promethean (Python-hosted)", "ours_py_to_js.py",
                                  "import promethean\npromethean.load(\"js\", module_path)",
                                  "promethean.call(\"js\", \"peer_mod.add\", i, 2)",
                                  "promethean.call(\"js\", \"peer_mod.size\", b)",
                                  hosted("PYTHONPATH", python_package, "/usr/bin/python3"), 20000, 2000);
    const auto venv_python = folder / "venv" / "bin" / "python";
    const bool installed = installed_at(folder / "venv" / ".pythonmonkey-installed") && ::access(venv_python.c_str(), X_OK) == 0;
    std::vector<side> sides{ours};
    if (installed) {
      sides.push_back(python_side("PythonMonkey", "pythonmonkey_py_to_js.py",
                                  "import pythonmonkey as pm\nmod = pm.require(module_path)", "mod.add(i, 2)", "mod.size(b)",
                                  {"/usr/bin/env", k_debian_path, venv_python.string()}, 20000, 2000));
    }
    const auto figures = run_alternating(sides, dir, (dir / "peer_mod.js").string(), repetitions);
    const auto [add, array] = installed ? figures[1] : std::pair{-1.0, -1.0};
    rows.push_back({"PythonMonkey", "py → js", "add", "add(i, 2) from a function of the script", "", installed,
                    figures[0].first, add});
    rows.push_back({"PythonMonkey", "py → js", "array_1m", "a 1 MiB bytearray in, its length back",
                    "as a Uint8Array over the bytearray's memory", installed, figures[0].second, array});
  }
  return rows;
}

std::vector<target_result> peer_targets(const std::vector<peer_measurement>& rows) {
  auto ratio_of = [](const peer_measurement& m) { return m.theirs / m.ours; };
  auto fmt = [](const char* f, double a, double b, double c) {
    char text[160];
    std::snprintf(text, sizeof text, f, a, b, c);
    return std::string(text);
  };
  std::vector<target_result> out;
  for (const auto& m : rows) {
    const bool judged = (m.peer == "node-calls-python" || m.peer == "PythonMonkey");
    if (!judged) continue;
    const double limit = m.call == "add" ? 3 : 10;
    target_result t{m.direction + (m.call == "add" ? " calls" : " 1 MiB array") + " ≥ " + fmt("%.0f", limit, 0, 0) +
                        "× faster than " + m.peer,
                    "", "not measured"};
    if (!m.installed) {
      t.measured = m.peer + " not installed (bench/install-peers)";
    } else if (m.ours > 0 && m.theirs > 0) {
      t.measured = time_label(m.ours) + " vs " + time_label(m.theirs) + ": " + fmt("%.1f×", ratio_of(m), 0, 0);
      t.status = ratio_of(m) >= limit ? "met" : "missed";
    }
    out.push_back(t);
  }
  return out;
}

void write_peers_table(std::ostream& out, const std::filesystem::path& folder, const std::vector<peer_measurement>& rows,
                       const std::vector<target_result>& targets) {
  out << "# promethean bench --peers\n\nPeers from " << folder.string()
      << " (bench/install-peers installs them). Per call, the best of five loops, the median over the runs;\n"
         "ours in the same setting as the peer: a plain node that requires promethean (js → py), a plain python3\n"
         "that imports it (py → js); both sides call the same module's functions, loaded the README's way.\n\n"
         "| path | peer | call | promethean | peer | peer / promethean | how the peer carries it |\n"
         "| --- | --- | --- | ---: | ---: | ---: | --- |\n";
  for (const auto& m : rows) {
    char ratio[32] = "–";
    if (m.installed && m.ours > 0) std::snprintf(ratio, sizeof ratio, "%.1f×", m.theirs / m.ours);
    out << "| " << m.direction << " | " << m.peer << " | " << m.description << " | " << time_label(m.ours) << " | "
        << (m.installed ? time_label(m.theirs) : std::string("not installed")) << " | " << ratio << " | "
        << (m.how_theirs.empty() ? "–" : m.how_theirs) << " |\n";
  }
  out << "\n## Targets\n\n| target | measured | status |\n| --- | --- | --- |\n";
  for (const auto& t : targets) out << "| " << t.target << " | " << t.measured << " | " << t.status << " |\n";
}

nlohmann::json peers_to_json(const std::filesystem::path& folder, const std::vector<peer_measurement>& rows,
                             const std::vector<target_result>& targets) {
  nlohmann::json j{{"folder", folder.string()}, {"peers", nlohmann::json::array()}, {"targets", nlohmann::json::array()}};
  for (const auto& m : rows) {
    j["peers"].push_back({{"peer", m.peer}, {"direction", m.direction}, {"call", m.call},
                          {"description", m.description}, {"installed", m.installed}, {"ours_ns", m.ours},
                          {"theirs_ns", m.installed ? nlohmann::json(m.theirs) : nlohmann::json()},
                          {"ratio", m.installed && m.ours > 0 ? nlohmann::json(m.theirs / m.ours) : nlohmann::json()},
                          {"how_theirs", m.how_theirs}});
  }
  for (const auto& t : targets) j["targets"].push_back({{"target", t.target}, {"measured", t.measured}, {"status", t.status}});
  return j;
}

}  // namespace promethean::bench
