#include "soak.hpp"

#include "bench_host.hpp"
#include "memory.hpp"
#include "results.hpp"
#include "sides.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace promethean::bench {

namespace {

constexpr std::size_t k_bytes = 1024;  // per call: small, so that the per-call cost dominates

// Every call carries a buffer made for it, so that every call adopts memory and releases it: a
// numpy array (Python's memory, reaching JS as a TypedArray over it, released through V8's
// collector), a Uint8Array (a V8 backing store, reaching Rust and Python as views), a host buffer.
constexpr const char* k_python_soak = R"(import numpy, promethean

@promethean.export
def soak_py(n, rt, fn):
    call, ones, u8 = promethean.call, numpy.ones, numpy.uint8
    r = None
    for _ in range(n):
        r = call(rt, fn, ones(1024, u8))
    if r != 1024:
        raise ValueError(f"{rt} {fn} received {r} bytes of 1024")
    return n
)";

constexpr const char* k_js_soak = R"(
promethean.export('soakJs', (n, rt, fn) => {
  const call = promethean.call;
  let r;
  for (let i = 0; i < n; i++) r = call(rt, fn, new Uint8Array(1024).fill(1));
  if (r !== 1024) throw new Error(`${rt} ${fn} received ${r} bytes of 1024`);
  return n;
});
{
  require('v8').setFlagsFromString('--expose_gc');
  const gc = require('vm').runInNewContext('gc');
  promethean.export('soakGc', () => { gc(); return 0; });
}
)";

struct path {
  std::string from, to;
};
const path k_paths[] = {{"py", "js"}, {"js", "py"}, {"js", "rust"}, {"py", "rust"}, {"host", "py"}, {"host", "js"}};

void expect_batch(const message& r, std::int64_t n, const path& p) {
  if (r.value() != n) throw std::runtime_error("soak " + p.from + " → " + p.to + " returned " + r.dump());
}

/// One batch of `n` calls on path `p`, each with a fresh buffer.
void batch(const path& p, std::int64_t n) {
  host& h = the_host();
  if (p.from == "py") {
    expect_batch(h.call("py", "soak_py", nlohmann::json::array({n, p.to, length_function(p.to)})), n, p);
  } else if (p.from == "js") {
    expect_batch(h.call("js", "soakJs", nlohmann::json::array({n, p.to, length_function(p.to)})), n, p);
  } else {
    const std::string fn = length_function(p.to);
    for (std::int64_t i = 0; i < n; ++i) {
      buffer b = buffer::allocate(dtype::uint8, {k_bytes});
      std::memset(b.data(), 1, k_bytes);
      const message r = h.call(p.to, fn, message(nlohmann::json::array({buffer_to_json(b)}), {b}, {}));
      if (r.value() != k_bytes) throw std::runtime_error("soak host → " + p.to + " returned " + r.dump());
    }
  }
}

/// Runs both collectors and the releases they queue, so that the ledger shows what is really held.
void collect() {
  host& h = the_host();
  h.call("js", "soakGc", nlohmann::json::array());
  h.eval("py", "__import__('gc').collect()");
  h.eval("js", "0");  // entering JS runs the releases V8's collector queued
  h.eval("py", "0");  // and entering Python those that wait for the GIL
}

double least_squares_slope(const std::vector<std::pair<std::int64_t, std::int64_t>>& s) {
  if (s.size() < 2) return 0;
  double mx = 0, my = 0;
  for (const auto& [x, y] : s) {
    mx += static_cast<double>(x);
    my += static_cast<double>(y);
  }
  mx /= static_cast<double>(s.size());
  my /= static_cast<double>(s.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : s) {
    sxy += (static_cast<double>(x) - mx) * (static_cast<double>(y) - my);
    sxx += (static_cast<double>(x) - mx) * (static_cast<double>(x) - mx);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

std::string mib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return text;
}

}  // namespace

soak_result run_soak(std::int64_t calls) {
  define_sides();
  the_host().eval("py", k_python_soak);
  the_host().eval("js", k_js_soak);
  soak_result r;
  r.buffer_bytes = k_bytes;
  for (const auto& p : k_paths) r.paths.push_back(p.from + " → " + p.to);
  // A round is one batch on every path; about 40 rounds at least (samples for the fit), batches
  // of at most 1000 calls (a million calls: 167 rounds).
  const auto n_paths = static_cast<std::int64_t>(std::size(k_paths));
  r.batch_calls = std::clamp<std::int64_t>(calls / (n_paths * 40), 10, 1000);
  const std::int64_t per_round = r.batch_calls * n_paths;
  const std::int64_t rounds = std::max<std::int64_t>(2, (calls + per_round - 1) / per_round);
  // The heaps (V8's young generation above all) grow to what the loop's garbage needs during the
  // first rounds: the baseline is taken after a twentieth of the run (at least one round).
  const std::int64_t warm_up_rounds = std::max<std::int64_t>(1, rounds / 20);
  collect();
  r.live_blocks_before = ledger::instance().counts().live_blocks;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t round = 0; round < rounds; ++round) {
    for (const auto& p : k_paths) batch(p, r.batch_calls);
    r.calls += per_round;
    if (round + 1 == warm_up_rounds) r.warm_up_calls = r.calls;
    if (round + 1 >= warm_up_rounds) r.samples.emplace_back(r.calls, current_resident());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  collect();
  r.live_blocks_after = ledger::instance().counts().live_blocks;
  r.rss_start = r.samples.front().second;
  r.rss_end = r.samples.back().second;
  for (const auto& [x, y] : r.samples) r.rss_peak = std::max(r.rss_peak, y);
  // The slope is fitted to the second half of the samples: the steady state, where a leak shows
  // as growth with every call while the heaps' own growth has long settled.
  const std::vector<std::pair<std::int64_t, std::int64_t>> steady(r.samples.begin() + static_cast<std::ptrdiff_t>(r.samples.size() / 2),
                                                                   r.samples.end());
  r.slope_per_100k = least_squares_slope(steady) * 100000.0;
  // Flat: the fitted growth, carried over a million calls, stays under 8 MiB (a leak of one
  // 1 KiB buffer in a thousand calls would be 1 MiB per million; of one small object per call, tens).
  const double per_million = r.slope_per_100k * 10.0;
  if (r.live_blocks_after != r.live_blocks_before) {
    r.verdict = "LEAK: " + std::to_string(r.live_blocks_after - r.live_blocks_before) + " buffer block(s) still live";
  } else if (per_million >= 8.0 * 1024 * 1024) {
    r.verdict = "GROWING: " + mib(per_million) + " per million calls";
  } else {
    r.verdict = "flat";
  }
  const machine_info m = describe_machine(the_host().dispatch_map());
  r.machine = m.date + ", " + m.cpu + ", " + std::to_string(m.cpus) + " CPUs, " + m.kernel + ", " + m.build;
  return r;
}

void write_soak_table(std::ostream& out, const soak_result& r) {
  char line[256];
  out << "## Soak (resident memory over " << r.calls << " cross-runtime calls, each carrying a fresh "
      << r.buffer_bytes << "-byte buffer)\n\n";
  out << "Machine: " << r.machine << ".\n";
  out << "Paths in rotation, " << r.batch_calls << " calls at a time:";
  for (std::size_t i = 0; i < r.paths.size(); ++i) out << (i ? ", " : " ") << r.paths[i];
  std::snprintf(line, sizeof line, ". %.1f s, %.2f µs per call; baseline after the first %lld calls.\n\n", r.seconds,
                r.seconds * 1e6 / static_cast<double>(r.calls), static_cast<long long>(r.warm_up_calls));
  out << line;
  out << "| resident at start | peak | end | end − start | slope (second half, fitted) | ledger blocks before → after | verdict |\n";
  out << "| ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  std::snprintf(line, sizeof line, "| %s | %s | %s | %+.1f MiB | %+.1f KiB per 100k calls | %lld → %lld | %s |\n",
                mib(static_cast<double>(r.rss_start)).c_str(), mib(static_cast<double>(r.rss_peak)).c_str(),
                mib(static_cast<double>(r.rss_end)).c_str(),
                static_cast<double>(r.rss_end - r.rss_start) / (1024.0 * 1024.0), r.slope_per_100k / 1024.0,
                static_cast<long long>(r.live_blocks_before), static_cast<long long>(r.live_blocks_after),
                r.verdict.c_str());
  out << line;
}

nlohmann::json soak_to_json(const soak_result& r) {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& [x, y] : r.samples) samples.push_back({x, y});
  return {{"calls", r.calls},
          {"warm_up_calls", r.warm_up_calls},
          {"buffer_bytes", r.buffer_bytes},
          {"batch_calls", r.batch_calls},
          {"paths", r.paths},
          {"seconds", r.seconds},
          {"rss_start_bytes", r.rss_start},
          {"rss_peak_bytes", r.rss_peak},
          {"rss_end_bytes", r.rss_end},
          {"slope_bytes_per_100k_calls", r.slope_per_100k},
          {"live_blocks_before", r.live_blocks_before},
          {"live_blocks_after", r.live_blocks_after},
          {"verdict", r.verdict},
          {"machine", r.machine},
          {"samples", samples}};
}

}  // namespace promethean::bench
