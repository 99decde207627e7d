#include "plugin_search.hpp"

#include <promethean/error.hpp>
#include <promethean/host/search_path.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace promethean::rust {

std::filesystem::path resolve_plugin(const std::filesystem::path& request) {
  const std::string text = request.string();
  if (text.find('/') != std::string::npos || request.extension() == ".so") return request;
  const std::string file = "lib" + text + ".so";
  std::string searched;
  for (const auto& dir : search_directories("PROMETHEAN_PLUGIN_PATH", "plugins")) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / file, ec)) return dir / file;
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw usage_error("rust: no plugin '" + text + "': " + file + " is in none of [" + searched +
                        "] (name a file with a path, or add its directory to PROMETHEAN_PLUGIN_PATH)",
                    "rust");
}

}  // namespace promethean::rust
