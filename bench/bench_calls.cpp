// Call overhead: every path between the host and the runtimes, and between runtimes, with a small
// JSON argument (an adder: two integers in, one out) and with a buffer argument (1 KiB handed over
// without a copy; the callee reads its last byte and returns its length).
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <filesystem>
#include <fstream>

namespace promethean::bench {
namespace {

constexpr std::size_t k_call_buffer_bytes = 1024;
/// Calls per batch when the caller is py or js: the host → caller call that starts each batch
/// is then ~1 % of the figure.
constexpr int k_call_batch = 100;

/// host → rt with fresh JSON arguments per call, as an embedder's loop writes it.
void host_call_json(benchmark::State& st, const std::string& rt) {
  define_sides();
  const std::string fn = add_function(rt);
  rss_probe probe;
  for (auto _ : st) {
    message result = the_host().call(rt, fn, nlohmann::json::array({1, 2}));
    if (result.value() != 3) {
      fail(st, rt + " " + fn + "(1, 2) gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

/// The same with the argument message built once: the difference to host_call_json is the cost
/// of building and freeing the JSON arguments.
void host_call_json_reused(benchmark::State& st, const std::string& rt) {
  define_sides();
  const std::string fn = add_function(rt);
  const message args(nlohmann::json::array({1, 2}));
  rss_probe probe;
  for (auto _ : st) {
    message result = the_host().call(rt, fn, args);
    if (result.value() != 3) {
      fail(st, rt + " " + fn + "(1, 2) gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

/// host → rt with a 1 KiB host buffer: one message per call, as an embedder hands buffers over.
void host_call_buffer(benchmark::State& st, const std::string& rt) {
  define_sides();
  const std::string fn = length_function(rt);
  const buffer& b = host_source(k_call_buffer_bytes);
  rss_probe probe;
  for (auto _ : st) {
    message result = the_host().call(rt, fn, message(nlohmann::json::array({buffer_to_json(b)}), {b}, {}));
    if (result.value() != k_call_buffer_bytes) {
      fail(st, rt + " " + fn + " gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

/// host → rt through a callable resolved once (host.resolve), called with typed arguments: what a
/// loop calling one function gets from the public API: no name lookup, no JSON arguments (py and
/// js make their values straight from the typed arguments; rust passes them into the plugin's
/// typed form, allocating nothing).
void host_call_resolved(benchmark::State& st, const std::string& rt) {
  define_sides();
  const std::string fn = add_function(rt);
  const callable add_fn = the_host().resolve(rt, fn);
  rss_probe probe;
  for (auto _ : st) {
    message result = add_fn({1, 2});
    // The result read as a loop would read it (its type, then the number): `value() != 3` would
    // build a JSON 3 and compare through nlohmann's generic ==, about a tenth of a py call.
    const nlohmann::json& sum = result.value();
    if (!sum.is_number_integer() || sum.get<std::int64_t>() != 3) {
      fail(st, rt + " " + fn + "(1, 2) gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

/// The same with the 1 KiB host buffer as the argument (lent by reference: no handle, no message).
void host_call_buffer_resolved(benchmark::State& st, const std::string& rt) {
  define_sides();
  const std::string fn = length_function(rt);
  const callable len = the_host().resolve(rt, fn);
  const buffer& b = host_source(k_call_buffer_bytes);
  rss_probe probe;
  for (auto _ : st) {
    message result = len({b});
    if (result.value() != k_call_buffer_bytes) {
      fail(st, rt + " " + fn + " gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

std::string arrow(const std::string& from, const std::string& to) { return from + " → " + to; }

/// The other ways users name a function (issue 26), each the same adder: py: defined in __main__
/// without export, and `stem.fn` of a file loaded with load("py", path), the README's way; js: a
/// global function, and `stem.fn` of a loaded module.
struct route {
  std::string rt, variant, name, what;
};
const route k_routes[] = {
    {"py", "route_main", "bench_add_main", "a function of __main__, not exported"},
    {"py", "route_loaded", "promethean_bench_routes.add", "stem.fn of a file load()ed"},
    {"js", "route_global", "benchAddGlobal", "a global function, not exported"},
    {"js", "route_loaded", "promethean_bench_routes.add", "stem.fn of a module load()ed"},
};

void define_route_sides() {
  static const bool done = [] {
    define_sides();
    the_host().eval("py", "def bench_add_main(a, b):\n    return a + b\n");
    the_host().eval("js", "globalThis.benchAddGlobal = (a, b) => a + b; null");
    const auto folder = std::filesystem::temp_directory_path();
    std::ofstream(folder / "promethean_bench_routes.py") << "def add(a, b):\n    return a + b\n";
    std::ofstream(folder / "promethean_bench_routes.js") << "exports.add = (a, b) => a + b;\n";
    for (const char* rt : {"py", "js"}) {
      const auto file = folder / (std::string("promethean_bench_routes.") + rt);
      the_host().load(rt, file);
      std::filesystem::remove(file);
    }
    return true;
  }();
  (void)done;
}

/// host → rt by a route other than an export, with fresh JSON arguments per call (as host_call_json).
void host_call_route(benchmark::State& st, const route& r) {
  define_route_sides();
  rss_probe probe;
  for (auto _ : st) {
    message result = the_host().call(r.rt, r.name, nlohmann::json::array({1, 2}));
    if (result.value() != 3) {
      fail(st, r.rt + " " + r.name + "(1, 2) gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

}  // namespace

void register_calls(const plan& p) {
  for (const std::string rt : {"py", "js", "rust"}) {
    add(p, {"call/host_to_" + rt + "/json", kind::call, "host", rt, "json", 0,
            "host.call(\"" + rt + "\", \"" + add_function(rt) + "\", [1, 2]), arguments built per call"},
        [rt](benchmark::State& st) { host_call_json(st, rt); });
    if (rt != "rust") {
      add(p, {"call/host_to_" + rt + "/json_reused", kind::call, "host", rt, "json_reused", 0,
              "the same with the argument message built once"},
          [rt](benchmark::State& st) { host_call_json_reused(st, rt); });
    }
    add(p, {"call/host_to_" + rt + "/buffer", kind::call, "host", rt, "buffer", k_call_buffer_bytes,
            "host.call(\"" + rt + "\", \"" + length_function(rt) + "\", [1 KiB buffer])"},
        [rt](benchmark::State& st) { host_call_buffer(st, rt); });
    add(p, {"call/host_to_" + rt + "/resolved", kind::call, "host", rt, "resolved", 0,
            "add = host.resolve(\"" + rt + "\", \"" + add_function(rt) + "\") once, then add({1, 2}): typed arguments"},
        [rt](benchmark::State& st) { host_call_resolved(st, rt); });
    add(p, {"call/host_to_" + rt + "/buffer_resolved", kind::call, "host", rt, "buffer_resolved", k_call_buffer_bytes,
            "len = host.resolve(\"" + rt + "\", \"" + length_function(rt) + "\") once, then len({1 KiB buffer})"},
        [rt](benchmark::State& st) { host_call_buffer_resolved(st, rt); });
  }
  for (const route& r : k_routes) {
    add(p, {"call/host_to_" + r.rt + "/" + r.variant, kind::call, "host", r.rt, r.variant, 0,
            "host.call(\"" + r.rt + "\", \"" + r.name + "\", [1, 2]): " + r.what + " (compare json: an export)"},
        [&r](benchmark::State& st) { host_call_route(st, r); });
  }
  const std::pair<std::string, std::string> cross[] = {{"py", "js"}, {"js", "py"}, {"py", "rust"}, {"js", "rust"}};
  for (const auto& [from, to] : cross) {
    add(p, {"call/" + from + "_to_" + to + "/json", kind::call, from, to, "json", 0,
            arrow(from, to) + ": promethean.call(\"" + to + "\", \"" + add_function(to) + "\", 1, 2) in a " + from + " loop"},
        [from, to](benchmark::State& st) {
          define_sides();
          run_batches(st, from, call_loop_function(from), nlohmann::json::array({to, add_function(to)}), k_call_batch,
                      true);
        });
    add(p, {"call/" + from + "_to_" + to + "/buffer", kind::call, from, to, "buffer", k_call_buffer_bytes,
            arrow(from, to) + ": promethean.call(\"" + to + "\", \"" + length_function(to) + "\", a 1 KiB array) in a " +
                from + " loop"},
        [from, to](benchmark::State& st) {
          prepare_source(from, k_call_buffer_bytes);
          run_batches(st, from, send_loop_function(from), nlohmann::json::array({to, "zero_copy", k_call_buffer_bytes}),
                      k_call_batch, true);
        });
  }
}

}  // namespace promethean::bench
