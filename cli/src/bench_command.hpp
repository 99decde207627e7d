// `promethean bench`: the CLI side. The measurements live in the promethean_bench executable
// (it links the runtimes' private engines for the raw baselines, which libpromethean.so does not
// export); this finds it and hands the command line over.
#pragma once

#include <string>
#include <vector>

namespace promethean::cli {

/// Replaces this process with promethean_bench --report ARGS; returns only on failure, with the
/// exit status to use (1: the executable is missing or cannot start).
int run_bench(const std::vector<std::string>& args);

}  // namespace promethean::cli
