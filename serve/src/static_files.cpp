// Plain HTTP's files: a path from the network mapped under one directory, never outside it.
#include "static_files.hpp"

#include <algorithm>
#include <map>

namespace promethean::serve::detail {

std::optional<std::filesystem::path> static_file(const std::filesystem::path& root, std::string_view path) {
  namespace fs = std::filesystem;
  if (root.empty() || path.empty() || path.front() != '/') return std::nullopt;
  if (path.find('\0') != std::string_view::npos) return std::nullopt;
  fs::path relative = fs::path(std::string(path.substr(1))).lexically_normal();
  for (const auto& part : relative) {
    if (part == "..") return std::nullopt;
  }
  if (relative.empty() || relative == ".") relative = "index.html";
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path file = fs::canonical(base / relative, ec);
  if (ec) return std::nullopt;
  if (fs::is_directory(file, ec)) file /= "index.html";
  // A link inside the directory that leads out of it is refused too.
  const auto [end, _] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (end != base.end() || !fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

std::string content_type(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"}, {".json", "application/json"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".svg", "image/svg+xml"}, {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"}};
  const auto it = types.find(file.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace promethean::serve::detail
