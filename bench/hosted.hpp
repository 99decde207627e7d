// The Python-hosted mode beside the embedded one: the same Python script timed inside a plain
// python3 that imports the promethean package and inside `promethean run`, interleaved, so that
// the ratios between the two modes come from one run of the machine.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace promethean::bench {

struct hosted_measurement {
  std::string what;         ///< "import", "first_js", "py_to_js", "js_to_py", "handoff_py_to_js_1k", …
  std::string description;  ///< what is timed
  std::string unit;         ///< "ms" or "ns"
  double embedded = -1;     ///< median over the repetitions; -1 where it means nothing (import)
  double hosted = -1;
};

/// Runs the script `repetitions` times in each mode (each run a fresh process). `self` is this
/// binary: the CLI and the build tree's package (<build>/python) are looked for from it. Throws
/// when a child fails or prints no figures.
std::vector<hosted_measurement> measure_hosted(const std::string& self, int repetitions);

// Shared with the Node-hosted mode's measurement (node_hosted.cpp).
double median(std::vector<double> v);
/// The first of `candidates` that exists (and is executable, if asked); throws naming them all.
std::string first_existing(const std::vector<std::filesystem::path>& candidates, const std::string& what, bool executable);
/// Runs `argv`, and parses the one JSON line it prints; throws when it fails (`mode` names it).
nlohmann::json run_once(const std::vector<std::string>& argv, const char* mode);
/// What a plain python3 or node needs to load this build's (sanitized) libraries: LD_PRELOAD of the
/// sanitizer runtimes this process has, LeakSanitizer off; nothing in a build without sanitizers.
std::vector<std::string> sanitizer_environment();

}  // namespace promethean::bench
