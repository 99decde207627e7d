// The chart of `promethean bench --plot FILE.svg`: handoff time against buffer size, log–log, one
// line per path and method (colour: the path; dash: zero-copy, copy or JSON), with axes, labels
// and a legend so that it reads without the table. Hand-written SVG: no plotting tool needed.
#pragma once

#include "results.hpp"

#include <string>

namespace promethean::bench {

std::string handoff_svg(const results& r);

}  // namespace promethean::bench
