// Which file a plain HTTP GET names: the client module, or one under the static directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace promethean::serve::detail {

/// The client module's path on the server.
inline constexpr std::string_view k_client_module_path = "/promethean-client.mjs";

/// The file `path` (a decoded URL path) names under `root`: "/" is index.html; a path with a ".."
/// part, or one that leads outside `root` through a link, names nothing. nullopt: 404.
std::optional<std::filesystem::path> static_file(const std::filesystem::path& root, std::string_view path);

/// The Content-Type for a file, by its extension (an ES module must be served as JavaScript).
std::string content_type(const std::filesystem::path& file);

}  // namespace promethean::serve::detail
