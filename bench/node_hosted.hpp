// The Node-hosted mode beside the embedded one: the same JS script timed inside a plain node that
// requires the promethean package and inside `promethean run`, interleaved, so that the ratios
// between the two modes come from one run of the machine.
#pragma once

#include "hosted.hpp"

#include <string>
#include <vector>

namespace promethean::bench {

/// Runs the script `repetitions` times in each mode (each run a fresh process). `self` is this
/// binary: the CLI and the build tree's package (<build>/node) are looked for from it. Throws when
/// a child fails or prints no figures. (`hosted` of each row is the Node-hosted figure.)
std::vector<hosted_measurement> measure_node_hosted(const std::string& self, int repetitions);

}  // namespace promethean::bench
