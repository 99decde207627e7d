// Private: one loaded plugin library, its checked descriptor, and the host table it is given.
#pragma once

#include <promethean/rust/plugin_abi.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace promethean {
class host;
}

namespace promethean::rust {

/// A loaded plugin library. Once loaded, a library stays mapped, and this object (with the host
/// table it hands out) stays alive, until the process exits: plugin_abi.h promises plugins that the
/// table is valid for the process's life (threads they start may use it), and a Rust cdylib must
/// not be unloaded while its thread-local destructors may still run. Buffers the plugin made hold
/// a shared_ptr to it all the same: that is the contract, whatever the unloading policy.
class plugin_library : public std::enable_shared_from_this<plugin_library> {
 public:
  /// dlopens `path` and checks the ABI. Throws plugin_error naming the file for a file that is
  /// not a shared library, a missing entry symbol, a truncated descriptor, another ABI major, a
  /// bad plugin or function name.
  static std::shared_ptr<plugin_library> open(host& owner, const std::filesystem::path& path);
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  const std::string& name() const noexcept { return m_name; }
  const std::string& version() const noexcept { return m_version; }
  const std::filesystem::path& path() const noexcept { return m_path; }
  /// The Host that loaded the plugin; throws plugin_error once that Host's rust runtime has shut
  /// down (a plugin thread still calling the host table then gets a clear error).
  host& owner() const;
  /// Called by the rust runtime's shutdown: the Host is going away.
  void detach() noexcept { m_owner.store(nullptr); }
  /// False once detached: a resolved function checks it before each call (one load).
  bool attached() const noexcept { return m_owner.load(std::memory_order_acquire) != nullptr; }
  /// The host table handed to this plugin's functions (its context names this library).
  const pm_host_api* api() const noexcept { return &m_api; }

  struct function {
    std::string name;
    std::string qualified;  ///< "<plugin>.<function>", made once for errors and results
    std::string signature;
    pm_plugin_function fn = nullptr;
    pm_plugin_typed_function typed = nullptr;  ///< the fast form, when the plugin has one
  };
  const std::map<std::string, function, std::less<>>& functions() const noexcept { return m_functions; }

 private:
  plugin_library() = default;

  std::atomic<host*> m_owner{nullptr};
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
