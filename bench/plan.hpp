// What one run of the bench measures: the handoff sizes, which copying paths run at which sizes,
// and how long and how often each benchmark runs. `promethean bench` picks one of three depths;
// the plain Google Benchmark binary uses the full plan and leaves timing to its own flags.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace promethean::bench {

enum class depth { full, quick, smoke };

struct plan {
  depth level = depth::full;
  /// Sizes every zero-copy handoff runs at (bytes).
  std::vector<std::size_t> sizes;
  /// The JSON path runs up to this size: above it, serialising the bytes as text costs minutes and
  /// gigabytes per handoff (64 MiB of bytes is ~128 MiB of text and a 64-million-element array).
  std::size_t json_max = 0;
  /// The plain copy runs up to this size.
  std::size_t copy_max = 0;
  /// Repetitions of each benchmark (the report shows their median); 0 leaves it to the flags.
  int repetitions = 0;
  /// Repetitions of benchmarks that move 64 MiB or more per operation by copying or serialising:
  /// each takes between a tenth of a second and tens of seconds, far above the machine's noise.
  int large_repetitions = 0;
  /// Google Benchmark's minimum time per benchmark in seconds; 0 leaves it to the flags.
  double min_time = 0;
  /// Fresh processes started per startup measurement (the report shows the median).
  int startup_repetitions = 0;
};

/// The plan for a depth ("full", "quick", "smoke").
plan make_plan(depth level);
std::string depth_name(depth level);

}  // namespace promethean::bench
