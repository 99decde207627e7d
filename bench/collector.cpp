#include "collector.hpp"

#include <algorithm>
#include <cstdio>

namespace promethean::bench {

bool collector::ReportContext(const Context&) { return true; }

void collector::ReportRuns(const std::vector<Run>& runs) {
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration) continue;  // medians are taken here, per operation
    const std::string name = run.run_name.function_name;
    auto [it, fresh] = m_by_name.try_emplace(name);
    measurement& m = it->second;
    if (fresh) {
      if (const bench_info* info = find_info(name)) m.info = *info;
      m.info.name = name;
    }
    if (run.error_occurred) {
      m.error = run.error_message;
      continue;
    }
    const auto batch = run.counters.find(k_batch);
    const double per_iteration = run.GetAdjustedRealTime();  // in ns: every benchmark's unit
    const double ops = batch != run.counters.end() && batch->second.value > 0 ? batch->second.value : 1.0;
    m.samples_ns.push_back(per_iteration / ops);
    const auto rss = run.counters.find(k_peak_rss_added);
    if (rss != run.counters.end()) m.peak_rss_added = std::max(m.peak_rss_added, rss->second.value);
    if (m_progress && run.repetition_index + 1 >= run.repetitions) {
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", ++m_done, registered().size(), name.c_str());
      std::fflush(stderr);
    }
  }
}

std::vector<measurement> collector::measurements() const {
  std::vector<measurement> out;
  for (const bench_info& info : registered()) {
    auto it = m_by_name.find(info.name);
    if (it == m_by_name.end()) continue;
    measurement m = it->second;
    if (!m.samples_ns.empty()) {
      std::vector<double> s = m.samples_ns;
      std::sort(s.begin(), s.end());
      const std::size_t n = s.size();
      m.ns = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace promethean::bench
