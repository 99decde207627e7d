#include "results.hpp"

#include <sys/utsname.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

namespace promethean::bench {

const measurement* results::find(const std::string& name) const {
  for (const auto& m : benchmarks) {
    if (m.info.name == name) return &m;
  }
  return nullptr;
}

const measurement* results::handoff(const std::string& from, const std::string& to, const std::string& method,
                                    std::size_t bytes) const {
  return find("handoff/" + from + "_to_" + to + "/" + method + "/" + std::to_string(bytes));
}

namespace {
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string version_of(const nlohmann::json& map, const char* rt) {
  if (map.contains(rt) && map[rt].contains("version") && map[rt]["version"].is_string()) {
    return map[rt]["version"].get<std::string>();
  }
  return "unknown";
}
}  // namespace

machine_info describe_machine(const nlohmann::json& dispatch_map) {
  machine_info m;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.date = date;
  m.cpu = cpu_model();
  m.cpus = std::thread::hardware_concurrency();
  utsname u{};
  if (::uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release;
#if defined(__clang__)
  m.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  m.compiler = "GCC " __VERSION__;
#else
  m.compiler = "unknown";
#endif
#ifdef NDEBUG
  m.build = "optimised (NDEBUG)";
#else
  m.build = "debug (assertions on): not for figures";
#endif
  m.python = version_of(dispatch_map, "py");
  m.node = version_of(dispatch_map, "js");
  m.rust_abi = version_of(dispatch_map, "rust");
  return m;
}

}  // namespace promethean::bench
