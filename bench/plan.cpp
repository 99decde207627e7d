#include "plan.hpp"

namespace promethean::bench {

namespace {
constexpr std::size_t KiB = std::size_t{1} << 10;
constexpr std::size_t MiB = std::size_t{1} << 20;
constexpr std::size_t GiB = std::size_t{1} << 30;
}  // namespace

plan make_plan(depth level) {
  plan p;
  p.level = level;
  switch (level) {
    case depth::full:
      p.sizes = {KiB, 64 * KiB, MiB, 64 * MiB, GiB};
      p.json_max = 64 * MiB;
      p.copy_max = GiB;
      p.repetitions = 5;
      p.large_repetitions = 1;
      p.min_time = 0.2;
      p.startup_repetitions = 7;
      break;
    case depth::quick:
      // Every size for zero-copy; the copy up to 64 MiB and the JSON path up to 1 MiB, whose
      // times already show their slopes (one 1 GiB copy takes seconds on a loaded machine, one
      // 64 MiB JSON handoff tens of seconds).
      p.sizes = {KiB, 64 * KiB, MiB, 64 * MiB, GiB};
      p.json_max = MiB;
      p.copy_max = 64 * MiB;
      p.repetitions = 3;
      p.large_repetitions = 1;
      p.min_time = 0.01;
      p.startup_repetitions = 3;
      break;
    case depth::smoke:
      // Seconds, for CI: every benchmark and every measurement kind runs, at small sizes.
      p.sizes = {KiB, 64 * KiB};
      p.json_max = 64 * KiB;
      p.copy_max = 64 * KiB;
      p.repetitions = 1;
      p.large_repetitions = 1;
      p.min_time = 0.002;
      p.startup_repetitions = 1;
      break;
  }
  return p;
}

std::string depth_name(depth level) {
  switch (level) {
    case depth::full: return "full";
    case depth::quick: return "quick";
    case depth::smoke: return "smoke";
  }
  return "full";
}

}  // namespace promethean::bench
