// The chaos soak (`promethean bench --chaos SECONDS`): several threads make random nested
// cross-runtime calls carrying buffers while faults are injected at random (JS and Python
// exceptions, Rust panics, timeouts firing mid-call, malformed and
// oversized input, buffers released while other runtimes still hold them). Every call must end in
// its value or in the clear error its fault calls for; a watchdog fails the run when a thread makes
// no progress; at the end the buffer ledger must be back where it started and the resident memory
// flat. docs/RELIABILITY.md records a long run.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace promethean::bench {

struct chaos_result {
  double seconds = 0;
  int threads = 0;
  std::int64_t calls = 0;        ///< operations run (each one call from the host, most of them nested)
  std::int64_t faults = 0;       ///< of which injected a fault (an exception, a panic, a timeout, a cancel)
  std::int64_t bad_inputs = 0;   ///< of which handed over malformed or oversized input
  std::map<std::string, std::int64_t> by_operation;
  std::int64_t unexpected = 0;   ///< outcomes that were neither the value nor the error called for
  std::vector<std::string> first_unexpected;  ///< up to ten, described
  std::int64_t rss_first_half_peak = 0, rss_second_half_peak = 0, rss_end = 0;  ///< bytes
  std::int64_t live_blocks_before = 0, live_blocks_after = 0;
  std::string verdict;  ///< "passed" or what failed
  std::string machine;
};

/// Runs the soak for `seconds` on the bench Host with `threads` threads; throws when it cannot
/// set up. A thread stuck past the watchdog's limit ends the process (status 3), naming it.
chaos_result run_chaos(double seconds, int threads);

void write_chaos_table(std::ostream& out, const chaos_result& r);
nlohmann::json chaos_to_json(const chaos_result& r);

}  // namespace promethean::bench
