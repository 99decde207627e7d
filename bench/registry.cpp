#include "registry.hpp"

#include "bench_host.hpp"

#include <map>
#include <stdexcept>

namespace promethean::bench {

namespace {
std::vector<bench_info>& infos() {
  static std::vector<bench_info> all;
  return all;
}
}  // namespace

void add(const plan& p, bench_info info, std::function<void(benchmark::State&)> fn, bool heavy) {
  if (find_info(info.name) != nullptr) throw std::logic_error("benchmark registered twice: " + info.name);
  auto* b = benchmark::RegisterBenchmark(info.name.c_str(), [fn](benchmark::State& st) {
    // A runtime's error (a receiver that saw the wrong bytes, say) fails this benchmark and the
    // run, instead of unwinding through Google Benchmark and ending every other measurement.
    try {
      fn(st);
    } catch (const std::exception& e) {
      fail(st, e.what());
    }
  });
  b->Unit(benchmark::kNanosecond);
  const int reps = heavy ? p.large_repetitions : p.repetitions;
  if (reps > 0) b->Repetitions(reps);
  if (heavy && p.repetitions > 0) {
    // One operation is already a tenth of a second or more: Google Benchmark's growing trial
    // runs would multiply the run time for no better figure. (A fixed count excludes MinTime.)
    b->Iterations(1);
  } else if (p.min_time > 0) {
    b->MinTime(p.min_time);
  }
  infos().push_back(std::move(info));
}

const std::vector<bench_info>& registered() { return infos(); }

const bench_info* find_info(const std::string& name) {
  for (const auto& i : infos()) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

void register_all(const plan& p) {
  register_calls(p);
  register_cold_paths(p);
  register_serde_calls(p);
  register_async(p);
  register_limits(p);
  register_peers(p);
  register_handoffs(p);
  register_processes(p);
  register_websocket(p);
}

}  // namespace promethean::bench
