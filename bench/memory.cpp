#include "memory.hpp"

#include <fstream>
#include <string>

namespace promethean::bench {

namespace {
/// A "VmXXX:   123 kB" line of /proc/self/status, in bytes.
std::int64_t status_field(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  return -1;
}
}  // namespace

std::int64_t reset_peak_resident() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  if (!clear) return -1;
  return status_field("VmRSS");
}

std::int64_t current_resident() { return status_field("VmRSS"); }

std::int64_t peak_resident() { return status_field("VmHWM"); }

}  // namespace promethean::bench
