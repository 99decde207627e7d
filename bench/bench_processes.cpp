// Runtimes in processes of their own (docs/PROCESSES.md): a call's round trip to a worker, a
// buffer's handoff to one at every size (shared memory: flat), and the pool's speed-up on
// CPU-bound Python over 4 chunks of one shared array.
#include "bench_host.hpp"
#include "registry.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace promethean::bench {
namespace {

constexpr const char* k_worker_code = R"(
def add(a, b):
    return a + b

def nbytes(a):
    return a.nbytes

def work(a):
    # CPU-bound pure Python: one GIL's worth of work per chunk.
    s = 0
    for x in a.tolist():
        s += (x * x) % 7
    return s
)";

/// The bench binary links the runtimes statically: the worker it starts is the build's.
void find_the_worker() {
  if (std::getenv("PROMETHEAN_WORKER") != nullptr) return;
  std::error_code ec;
  if (std::filesystem::is_regular_file(PM_WORKER_EXECUTABLE, ec)) ::setenv("PROMETHEAN_WORKER", PM_WORKER_EXECUTABLE, 1);
}

/// An instance started and given the code, outside any timed loop.
void ready(const std::string& name) {
  static std::vector<std::string> started;
  for (const auto& s : started) {
    if (s == name) return;
  }
  the_host().eval(name, k_worker_code);
  started.push_back(name);
}

void round_trip(benchmark::State& st, const std::string& name) {
  ready(name);
  const message args(nlohmann::json::array({1, 2}));
  rss_probe probe;
  for (auto _ : st) {
    const message r = the_host().call(name, "add", args);
    if (r.value() != 3) {
      fail(st, name + " add(1, 2) returned " + r.dump());
      break;
    }
  }
  probe.finish(st);
}

void js_round_trip(benchmark::State& st) {
  static bool defined = false;
  if (!defined) {
    the_host().eval("js@bench", "globalThis.add = (a, b) => a + b");
    defined = true;
  }
  const message args(nlohmann::json::array({1, 2}));
  rss_probe probe;
  for (auto _ : st) {
    const message r = the_host().call("js@bench", "add", args);
    if (r.value() != 3) {
      fail(st, "js@bench add(1, 2) returned " + r.dump());
      break;
    }
  }
  probe.finish(st);
}

void handoff(benchmark::State& st, std::size_t bytes) {
  ready("py@bench");
  const buffer b = buffer::allocate(dtype::uint8, {bytes});
  const message args(nlohmann::json::array({buffer_to_json(b)}), {b}, {});
  rss_probe probe;
  for (auto _ : st) {
    const message r = the_host().call("py@bench", "nbytes", args);
    if (r.value() != bytes) {
      fail(st, "py@bench saw " + r.dump() + " bytes of " + std::to_string(bytes));
      break;
    }
  }
  probe.finish(st);
}

/// 4 chunks of one array through `instances` workers at once (one thread per worker, each taking
/// the next chunk): the pool's map, in C++.
void pool_map(benchmark::State& st, int instances) {
  constexpr std::size_t k_chunk = 400'000;
  std::vector<std::string> names;
  for (int i = 0; i < instances; ++i) {
    names.push_back("py@benchpool" + std::to_string(instances) + "." + std::to_string(i));
    ready(names.back());
  }
  const buffer data = buffer::allocate(dtype::int64, {4 * k_chunk});
  auto values = data.span<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int64_t>(i);
  std::vector<message> chunks;
  for (std::size_t c = 0; c < 4; ++c) {
    const buffer part = data.slice(0, static_cast<std::int64_t>(c * k_chunk), static_cast<std::int64_t>((c + 1) * k_chunk));
    chunks.emplace_back(nlohmann::json::array({buffer_to_json(part)}), std::vector<buffer>{part}, std::vector<function_ref>{});
  }
  rss_probe probe;
  for (auto _ : st) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (const auto& name : names) {
      threads.emplace_back([&, name] {
        for (std::size_t c; (c = next.fetch_add(1)) < chunks.size();) {
          try {
            the_host().call(name, "work", chunks[c]);
          } catch (const std::exception&) {
            failed = true;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed) {
      fail(st, "a pool call failed");
      break;
    }
  }
  probe.finish(st);
}

}  // namespace

void register_processes(const plan& p) {
  find_the_worker();
  add(p, {"process/host_to_py_worker/json", kind::process, "host", "py@1", "json", 0,
          "host.call of add(1, 2) in a py worker process (JSON arguments, one round trip through the shared rings)"},
      [](benchmark::State& st) { round_trip(st, "py@bench"); });
  add(p, {"process/host_to_js_worker/json", kind::process, "host", "js@1", "json", 0,
          "host.call of add(1, 2) in a js worker process"},
      [](benchmark::State& st) { js_round_trip(st); });
  for (const std::size_t bytes : p.sizes) {
    add(p, {"process/host_to_py_worker/buffer/" + std::to_string(bytes), kind::process, "host", "py@1", "buffer", bytes,
            "a host buffer handed to a py worker process (its segment mapped there) and its nbytes returned"},
        [bytes](benchmark::State& st) { handoff(st, bytes); });
  }
  for (const int n : {1, 4}) {
    add(p, {"process/pool/" + std::to_string(n), kind::process, "host", "py@pool", "pool", static_cast<std::size_t>(n),
            "4 chunks of 400,000 int64 of one shared array, CPU-bound Python over each, through " + std::to_string(n) +
                " py worker" + (n > 1 ? "s at once" : "")},
        [n](benchmark::State& st) { pool_map(st, n); }, true);
  }
}

}  // namespace promethean::bench
