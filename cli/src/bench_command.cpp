#include "bench_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace promethean::cli {

namespace {

/// Where promethean_bench may be, in order: $PROMETHEAN_BENCH (an explicit choice), beside the
/// CLI in a build tree (build/<preset>/bench/), and an installation's libexec directory.
std::vector<std::filesystem::path> candidates() {
  std::vector<std::filesystem::path> out;
  if (const char* env = std::getenv("PROMETHEAN_BENCH"); env != nullptr && *env != '\0') out.emplace_back(env);
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto dir = self.parent_path();
    out.push_back(dir / "bench" / "promethean_bench");
    out.push_back(dir.parent_path() / "libexec" / "promethean" / "promethean_bench");
  }
  return out;
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  // An explicit choice that does not work is an error, not a reason to run another binary.
  if (const char* env = std::getenv("PROMETHEAN_BENCH"); env != nullptr && *env != '\0' && ::access(env, X_OK) != 0) {
    std::cerr << "promethean bench: PROMETHEAN_BENCH is '" << env << "', which is not an executable program\n";
    return 1;
  }
  const auto places = candidates();
  for (const auto& path : places) {
    if (::access(path.c_str(), X_OK) != 0) continue;
    std::vector<std::string> owned = {path.string(), "--report"};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : owned) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    std::cerr.flush();
    ::execv(path.c_str(), argv.data());
    std::cerr << "promethean bench: cannot start " << path.string() << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "promethean bench: the benchmark program promethean_bench was not found; looked in:\n";
  for (const auto& path : places) std::cerr << "  " << path.string() << "\n";
  std::cerr << "build it (cmake --build <build dir> --target promethean_bench) or set PROMETHEAN_BENCH to its path\n";
  return 1;
}

}  // namespace promethean::cli
