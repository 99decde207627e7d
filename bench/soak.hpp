// The soak: a long run of cross-runtime calls that each carry a fresh buffer, in rotation over
// six paths, with the resident memory sampled as it goes. Memory that grows with the number of
// calls is a leak somewhere on a buffer's way (an adopted array, a V8 backing store, a release
// that never ran); flat memory and a ledger back where it started are the proof there is none.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace promethean::bench {

struct soak_result {
  std::int64_t calls = 0;                    ///< cross-runtime calls made (warm-up included)
  std::int64_t warm_up_calls = 0;            ///< the first calls, before the baseline is taken
  std::size_t buffer_bytes = 0;              ///< bytes of the fresh buffer each call carries
  std::int64_t batch_calls = 0;              ///< calls on one path before the next path's turn
  std::vector<std::string> paths;            ///< "py → js", …, in rotation
  double seconds = 0;                        ///< wall time of the calls
  /// (calls made, resident bytes) after each round, from the end of the warm-up on.
  std::vector<std::pair<std::int64_t, std::int64_t>> samples;
  std::int64_t rss_start = 0, rss_peak = 0, rss_end = 0;  ///< bytes, after the warm-up
  double slope_per_100k = 0;                 ///< least-squares growth over the second half of the
                                             ///< samples, bytes per 100,000 calls
  std::int64_t live_blocks_before = 0;       ///< ledger, before the first call
  std::int64_t live_blocks_after = 0;        ///< ledger, after the last (collectors run)
  std::string verdict;                       ///< "flat" or why not
  std::string machine;                       ///< one line: date, CPU, build
};

/// Runs `calls` calls (rounded up to whole rounds) on the bench Host; throws on a wrong result.
soak_result run_soak(std::int64_t calls);

void write_soak_table(std::ostream& out, const soak_result& r);
nlohmann::json soak_to_json(const soak_result& r);

}  // namespace promethean::bench
