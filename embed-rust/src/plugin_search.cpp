#include "plugin_search.hpp"

#include <promethean/error.hpp>

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace promethean::rust {

namespace {

/// The directory of the shared object (or executable) this function was linked into.
std::filesystem::path own_directory() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&own_directory), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  auto path = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : path.parent_path();
}

std::vector<std::filesystem::path> search_directories() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("PROMETHEAN_PLUGIN_PATH")) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto colon = list.find(':', start);
      const std::string dir = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!dir.empty()) dirs.emplace_back(dir);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  if (auto own = own_directory(); !own.empty()) {
    dirs.push_back(own / "promethean" / "plugins");  // installed: <libdir>/promethean/plugins
    dirs.push_back(own / "plugins");                 // the build tree (promethean/ is the CLI there)
  }
  return dirs;
}

}  // namespace

std::filesystem::path resolve_plugin(const std::filesystem::path& request) {
  const std::string text = request.string();
  if (text.find('/') != std::string::npos || request.extension() == ".so") return request;
  const std::string file = "lib" + text + ".so";
  std::string searched;
  for (const auto& dir : search_directories()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / file, ec)) return dir / file;
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw usage_error("rust: no plugin '" + text + "': " + file + " is in none of [" + searched +
                        "] (name a file with a path, or add its directory to PROMETHEAN_PLUGIN_PATH)",
                    "rust");
}

}  // namespace promethean::rust
