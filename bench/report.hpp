// The report of a run: Markdown tables for people (they paste into docs/BENCHMARKS.md as they
// are) and one JSON document for machines.
#pragma once

#include "results.hpp"
#include "targets.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <vector>

namespace promethean::bench {

void write_table(std::ostream& out, const results& r, const std::vector<target_result>& targets);
nlohmann::json to_json(const results& r, const std::vector<target_result>& targets);

}  // namespace promethean::bench
