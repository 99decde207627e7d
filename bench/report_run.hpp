// `promethean_bench --report [--quick] [--json] [--plot FILE.svg]`: what `promethean bench`
// runs. Every benchmark of the plan, the startup measurement, the targets, then the table (or
// the JSON) on stdout and the chart in FILE.svg.
#pragma once

#include <string>
#include <vector>

namespace promethean::bench {

/// Runs the report; returns the exit status (2 for bad options, 1 when a benchmark failed).
int run_report(const std::vector<std::string>& args);

}  // namespace promethean::bench
