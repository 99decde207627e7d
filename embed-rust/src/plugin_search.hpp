// Private: where `load("rust", "imageops")` finds a plugin named without a path.
#pragma once

#include <filesystem>

namespace promethean::rust {

/// `request` itself when it names a file (it has a '/' or ends in ".so"); otherwise the first
/// `lib<request>.so` in the directories of $PROMETHEAN_PLUGIN_PATH (':'-separated), then beside
/// the library that holds this code (libpromethean.so): in `promethean/plugins` (installed) and
/// `plugins` (the build tree). Throws usage_error naming every directory searched.
std::filesystem::path resolve_plugin(const std::filesystem::path& request);

}  // namespace promethean::rust
