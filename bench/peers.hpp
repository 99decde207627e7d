// `promethean bench --peers`: the same calls made through promethean and through the peer bridges
// users compare it with, each in the setting the peer is made for, measured in one run (issue 26,
// item 3). js → py from a plain node: promethean's Node-hosted package beside node-calls-python
// (an embedded CPython, calls copied in and out) and pythonia (a python3 child over pipes); py → js
// from a plain python3: the Python-hosted package beside PythonMonkey (an embedded SpiderMonkey).
//
// Nothing is installed here: bench/install-peers puts the peers in one folder ($PROMETHEAN_PEERS,
// else ~/.cache/promethean/peers), and a peer not found there is reported as not installed. Our
// side is always measured.
#pragma once

#include "targets.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace promethean::bench {

struct peer_measurement {
  std::string peer;         ///< "node-calls-python", "pythonia", "PythonMonkey"
  std::string direction;    ///< "js → py", "py → js"
  std::string call;         ///< "add" or "array_1m"
  std::string description;  ///< what one call does
  std::string how_theirs;   ///< how the peer carries the argument
  bool installed = false;
  double ours = -1;    ///< ns per call, the median over the repetitions
  double theirs = -1;  ///< ns per call; -1 when the peer is not installed
};

/// $PROMETHEAN_PEERS, else ~/.cache/promethean/peers (where bench/install-peers puts them).
std::filesystem::path peers_folder();

/// Runs our side and every installed peer `repetitions` times each, alternating, each run a fresh
/// process. `self` is this binary: the build tree's packages are found from it. Throws when one
/// of the runs fails.
std::vector<peer_measurement> measure_peers(const std::string& self, const std::filesystem::path& folder, int repetitions);

/// The targets of issue 26 item 3: ≥ 3× node-calls-python on js → py calls, ≥ 3× PythonMonkey on
/// py → js calls, the 1 MiB array ≥ 10× either.
std::vector<target_result> peer_targets(const std::vector<peer_measurement>& rows);

void write_peers_table(std::ostream& out, const std::filesystem::path& folder, const std::vector<peer_measurement>& rows,
                       const std::vector<target_result>& targets);
nlohmann::json peers_to_json(const std::filesystem::path& folder, const std::vector<peer_measurement>& rows,
                             const std::vector<target_result>& targets);

}  // namespace promethean::bench
