// Where the host looks for files it loads by name (search_path.hpp).
#include <promethean/host/search_path.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <string>

namespace promethean {

std::vector<std::filesystem::path> directories_from_env(const char* variable) {
  std::vector<std::filesystem::path> dirs;
  const char* env = std::getenv(variable);
  if (env == nullptr) return dirs;
  const std::string list = env;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto colon = list.find(':', start);
    const std::string dir = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) dirs.emplace_back(dir);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return dirs;
}

std::filesystem::path core_library_directory() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&core_library_directory), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  auto path = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : path.parent_path();
}

std::vector<std::filesystem::path> search_directories(const char* variable, const char* kind) {
  auto dirs = directories_from_env(variable);
  if (auto own = core_library_directory(); !own.empty()) {
    dirs.push_back(own / "promethean" / kind);
    dirs.push_back(own / kind);
  }
  return dirs;
}

}  // namespace promethean
