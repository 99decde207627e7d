#include "report_run.hpp"

#include "bench_host.hpp"
#include "chaos.hpp"
#include "collector.hpp"
#include "registry.hpp"
#include "report.hpp"
#include "sides.hpp"
#include "soak.hpp"
#include "node_hosted.hpp"
#include "peers.hpp"
#include "startup.hpp"
#include "svg_plot.hpp"
#include "targets.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace promethean::bench {

namespace {

constexpr const char* k_usage = R"(Usage: promethean bench [--quick] [--json] [--plot FILE.svg]
       promethean bench --soak [--soak-calls N] [--json]
       promethean bench --chaos SECONDS [--json]
       promethean bench --peers [--quick] [--json]

Measures, in one process and one run: call overhead between the host and every runtime and
between runtimes, beside raw engine calls and peer processes over pipes; buffer handoff from
1 KiB to 1 GiB, zero-copy against a plain copy and the JSON path; the startup of each runtime.

  --quick            a shorter run (under a minute): fewer repetitions, the JSON path up to 1 MiB
  --json             print the results as one JSON document instead of tables
  --plot FILE.svg    also draw handoff time against size (log-log) into FILE.svg
  --soak             instead, the soak: a million cross-runtime calls, each carrying a fresh
                     buffer, in rotation over py/js/rust/host paths, with the resident memory
                     sampled as they go (start, peak, end, fitted slope) and the buffer ledger
                     checked after; exit status 1 if a buffer leaked (about a minute)
  --soak-calls N     the soak's number of calls (default 1000000)
  --chaos SECONDS    instead, the chaos soak: 4 threads making random nested cross-runtime calls
                     carrying buffers for SECONDS, with faults injected at random (exceptions,
                     Rust panics, timeouts, malformed input, buffers released in
                     flight); exit status 1 unless every call ended in its value or the error its
                     fault calls for, the ledger is back where it started and memory is flat; 3
                     when a thread hangs (docs/RELIABILITY.md)
  --peers            instead, the same calls through promethean and through the peer bridges that
                     are installed (node-calls-python and pythonia for js → py, PythonMonkey for
                     py → js), with the ratios; bench/install-peers installs them into
                     $PROMETHEAN_PEERS (default ~/.cache/promethean/peers); nothing is installed here
  -h, --help         show this help

The full run takes a few minutes; its JSON path stops at 64 MiB (beyond, one handoff takes
minutes and gigabytes). Exit status: 0 when every benchmark ran (targets met or not), 1 when one
failed, 2 for a usage error.
)";

struct report_options {
  depth level = depth::full;
  bool json = false;
  bool soak = false;
  std::int64_t soak_calls = 1000000;
  bool soak_calls_given = false;
  std::optional<double> chaos_seconds;
  bool peers = false;
  std::optional<std::filesystem::path> plot;
};

struct usage_error {
  std::string message;
};

report_options parse(const std::vector<std::string>& args) {
  report_options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quick") {
      o.level = depth::quick;
    } else if (a == "--smoke") {  // hidden: seconds, for CI
      o.level = depth::smoke;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--peers") {
      o.peers = true;
    } else if (a == "--soak") {
      o.soak = true;
    } else if (a == "--soak-calls") {
      if (i + 1 >= args.size()) throw usage_error{"--soak-calls needs a number of calls, e.g. --soak-calls 10000"};
      const std::string& v = args[++i];
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n < 100) {
        throw usage_error{"--soak-calls needs a whole number of calls, at least 100, got '" + v + "'"};
      }
      o.soak_calls = n;
      o.soak_calls_given = true;
    } else if (a == "--chaos") {
      if (i + 1 >= args.size()) throw usage_error{"--chaos needs a number of seconds, e.g. --chaos 60"};
      const std::string& v = args[++i];
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (v.empty() || end != v.c_str() + v.size() || !(s >= 1) || s > 86400) {
        throw usage_error{"--chaos needs a number of seconds from 1 to 86400, got '" + v + "'"};
      }
      o.chaos_seconds = s;
    } else if (a == "--plot") {
      if (i + 1 >= args.size() || args[i + 1].empty()) throw usage_error{"--plot needs a file name, e.g. --plot handoff.svg"};
      o.plot = args[++i];
    } else if (a.rfind("--plot=", 0) == 0) {
      if (a.size() == 7) throw usage_error{"--plot needs a file name, e.g. --plot=handoff.svg"};
      o.plot = a.substr(7);
    } else {
      throw usage_error{"unknown option '" + a + "' (options: --quick, --json, --plot FILE.svg, --soak, --soak-calls N, --chaos SECONDS, --peers)"};
    }
  }
  if (o.soak && (o.level != depth::full || o.plot)) throw usage_error{"--soak runs alone: it takes only --soak-calls and --json"};
  if (o.chaos_seconds && (o.soak || o.level != depth::full || o.plot)) throw usage_error{"--chaos runs alone: it takes only --json"};
  if (!o.soak && o.soak_calls_given) throw usage_error{"--soak-calls goes with --soak"};
  if (o.peers && (o.soak || o.chaos_seconds || o.plot || o.level == depth::smoke)) {
    throw usage_error{"--peers runs alone: it takes only --quick and --json"};
  }
  return o;
}

std::string self_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this program's own path: " + ec.message());
  return p.string();
}

/// A run that stands alone (the soak, the chaos soak): the bench Host started for it, its table
/// or JSON (under `key`) on stdout; 1 when `failure` names what went wrong or it threw.
template <class Run, class Table, class Json, class Failure>
int run_alone(const report_options& options, const char* key, Run run, Table table, Json to_json, Failure failure) {
  try {
    start_host();
    const auto r = run();
    stop_host();
    if (options.json) {
      std::cout << nlohmann::json{{key, to_json(r)}}.dump(2) << "\n";
    } else {
      table(std::cout, r);
    }
    std::cout.flush();
    if (const std::string why = failure(r); !why.empty()) {
      std::cerr << "promethean bench: " << why << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "promethean bench: " << key << ": " << e.what() << "\n";
    return 1;
  }
}

/// The soak: 1 when a buffer leaked or a call failed.
int run_soak_report(const report_options& options) {
  return run_alone(
      options, "soak", [&] { return run_soak(options.soak_calls); }, write_soak_table, soak_to_json,
      [](const soak_result& r) {
        return r.live_blocks_after != r.live_blocks_before ? "the soak leaked buffers (" + r.verdict + ")" : std::string();
      });
}

/// The chaos soak: 1 when it did not pass.
int run_chaos_report(const report_options& options) {
  return run_alone(
      options, "chaos", [&] { return run_chaos(*options.chaos_seconds, 4); }, write_chaos_table, chaos_to_json,
      [](const chaos_result& r) { return r.verdict != "passed" ? "the chaos soak failed: " + r.verdict : std::string(); });
}

/// The peers beside promethean: 1 when a run failed (a peer that is not installed is no failure).
int run_peers_report(const report_options& options) {
  try {
    const auto folder = peers_folder();
    const auto rows = measure_peers(self_path(), folder, options.level == depth::quick ? 1 : 3);
    const auto targets = peer_targets(rows);
    if (options.json) {
      std::cout << peers_to_json(folder, rows, targets).dump(2) << "\n";
    } else {
      write_peers_table(std::cout, folder, rows, targets);
    }
    std::cout.flush();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "promethean bench: peers: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int run_report(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << k_usage;
      return 0;
    }
  }
  report_options options;
  try {
    options = parse(args);
  } catch (const usage_error& e) {
    std::cerr << "promethean bench: " << e.message << "\n(run 'promethean bench --help' for usage)\n";
    return 2;
  }
  // An unwritable chart path fails now, not after minutes of measuring.
  if (options.plot) {
    std::ofstream probe(*options.plot, std::ios::app);
    if (!probe) {
      std::cerr << "promethean bench: cannot write the chart to '" << options.plot->string()
                << "': " << std::strerror(errno) << "\n";
      return 2;
    }
  }
  if (options.soak) return run_soak_report(options);
  if (options.chaos_seconds) return run_chaos_report(options);
  if (options.peers) return run_peers_report(options);
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const plan p = make_plan(options.level);
    register_all(p);
    int bench_argc = 1;
    char program[] = "promethean_bench";
    char* bench_argv[] = {program, nullptr};
    benchmark::Initialize(&bench_argc, bench_argv);

    results r;
    r.depth = depth_name(options.level);
    start_host();
    define_sides();
    collector c(::isatty(STDERR_FILENO) == 1);
    benchmark::RunSpecifiedBenchmarks(&c);
    benchmark::Shutdown();
    if (::isatty(STDERR_FILENO) == 1) std::cerr << "\r\033[K";
    r.benchmarks = c.measurements();
    r.machine = describe_machine(the_host().dispatch_map());
    stop_host();  // its memory goes before the startup children start
    r.startup = measure_startup(self_path(), p.startup_repetitions);
    r.hosted = measure_hosted(self_path(), p.startup_repetitions);
    r.node_hosted = measure_node_hosted(self_path(), p.startup_repetitions);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const auto targets = evaluate_targets(r);
    if (options.json) {
      std::cout << to_json(r, targets).dump(2) << "\n";
    } else {
      write_table(std::cout, r, targets);
    }
    std::cout.flush();
    if (options.plot) {
      std::ofstream svg(*options.plot, std::ios::trunc);
      svg << handoff_svg(r);
      svg.flush();
      if (!svg) {
        std::cerr << "promethean bench: writing the chart to '" << options.plot->string() << "' failed\n";
        return 1;
      }
    }
    bool failed = any_failed();
    for (const auto& m : r.benchmarks) failed = failed || !m.error.empty();
    if (r.benchmarks.size() != registered().size()) {
      std::cerr << "promethean bench: " << registered().size() - r.benchmarks.size() << " benchmarks did not report\n";
      failed = true;
    }
    if (failed) {
      std::cerr << "promethean bench: a benchmark failed (see \"Failed benchmarks\" in the report)\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "promethean bench: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace promethean::bench
