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

/// One figure a mode's script prints (a key of its JSON line).
struct hosted_row {
  const char* what;
  const char* description;
  const char* unit;
};

/// How to run one script in both modes: `promethean run SCRIPT CALLS` (embedded) and
/// `/usr/bin/env PATH_VARIABLE=<build>/<package_dir> INTERPRETER SCRIPT CALLS` (hosted), the
/// package found from `self` as `package_file` under <build>.
struct alternating_plan {
  const char* script_text;
  const char* script_name;     ///< "hosted_bench.py"
  const char* package_file;    ///< "python/promethean/__init__.py", relative to <build>
  const char* path_variable;   ///< "PYTHONPATH", "NODE_PATH": the package's grandparent folder
  const char* interpreter;     ///< "/usr/bin/python3"
  const char* hosted_mode;     ///< "hosted", "Node-hosted": names the runs in errors
  const char* not_embedded;    ///< the row the embedded mode has no figure for ("import")
  std::vector<hosted_row> rows;
};

/// Runs the plan's script `repetitions` times in each mode, the modes alternating, each run a
/// fresh process; the median of each row in each mode.
std::vector<hosted_measurement> measure_alternating(const std::string& self, int repetitions, const alternating_plan& plan);

// Shared with the Node-hosted mode's measurement (node_hosted.cpp).
double median(std::vector<double> v);
/// The first of `candidates` that exists (and is executable, if asked); throws naming them all.
std::string first_existing(const std::vector<std::filesystem::path>& candidates, const std::string& what, bool executable);
/// Runs `argv`, and parses the one JSON line it prints; throws when it fails (`mode` names it).
nlohmann::json run_once(const std::vector<std::string>& argv, const char* mode);
/// `/usr/bin/env [EXTRA…] PATH_VARIABLE=PACKAGE_PATH [sanitizer_environment()…] INTERPRETER`: a plain
/// python3 or node that finds this build's package (the script and its arguments go after).
std::vector<std::string> hosted_command(const std::string& path_variable, const std::string& package_path,
                                        const std::string& interpreter, const std::vector<std::string>& extra = {});
/// What a plain python3 or node needs to load this build's (sanitized) libraries: LD_PRELOAD of the
/// sanitizer runtimes this process has, LeakSanitizer off; nothing in a build without sanitizers.
std::vector<std::string> sanitizer_environment();

}  // namespace promethean::bench
