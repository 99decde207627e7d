// Private: one loaded plugin library, its checked descriptor, and the host table it is given.
#pragma once

#include <promethean/rust/plugin_abi.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace promethean {
class host;
}

namespace promethean::rust {

/// A plugin library, mapped for as long as this object lives. Buffers the plugin made hold a
/// shared_ptr to it, so that their release callbacks' code stays mapped until the last one ran.
class plugin_library : public std::enable_shared_from_this<plugin_library> {
 public:
  /// dlopens `path` and checks the ABI. Throws plugin_error naming the file for a file that is
  /// not a shared library, a missing entry symbol, a truncated descriptor, another ABI major, a
  /// bad plugin or function name.
  static std::shared_ptr<plugin_library> open(host& owner, const std::filesystem::path& path);
  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  const std::string& name() const noexcept { return m_name; }
  const std::string& version() const noexcept { return m_version; }
  const std::filesystem::path& path() const noexcept { return m_path; }
  host& owner() const noexcept { return *m_owner; }
  /// The host table handed to this plugin's functions (its context names this library).
  const pm_host_api* api() const noexcept { return &m_api; }

  struct function {
    std::string name;
    std::string signature;
    pm_plugin_function fn = nullptr;
  };
  const std::map<std::string, function, std::less<>>& functions() const noexcept { return m_functions; }

 private:
  plugin_library() = default;

  host* m_owner = nullptr;
  std::filesystem::path m_path;
  void* m_handle = nullptr;
  std::string m_name;
  std::string m_version;
  std::map<std::string, function, std::less<>> m_functions;
  pm_host_api m_api{};
};

/// The host table's functions, filled into every plugin's pm_host_api (host_api.cpp).
void fill_host_api(pm_host_api& api, plugin_library* library);

}  // namespace promethean::rust
