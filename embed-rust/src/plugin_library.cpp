// Loading a plugin: dlopen, the entry symbol, and every check of its descriptor, each failure a
// clear error naming the file.
#include "plugin_library.hpp"

#include <promethean/error.hpp>

#include <dlfcn.h>

#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <vector>

namespace promethean::rust {
namespace {
bool valid_name(const char* s) {
  if (s == nullptr || *s == '\0') return false;
  for (const char* c = s; *c; ++c) {
    const bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The bytes a struct must have for a reader to use fields up to and including `member`.
#define PM_NEEDS(type, member) (offsetof(type, member) + sizeof(static_cast<type*>(nullptr)->member))
}  // namespace

std::shared_ptr<plugin_library> plugin_library::open(host& owner, const std::filesystem::path& path) {
  const std::string file = path.string();
  auto fail = [&](const std::string& type, const std::string& why) -> plugin_error {
    return plugin_error(type, "cannot load plugin " + file + ": " + why);
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw fail("PluginNotFound", "no such file");
  std::shared_ptr<plugin_library> lib(new plugin_library());
  lib->m_owner.store(&owner);
  lib->m_path = std::filesystem::absolute(path);
  // RTLD_LOCAL: two plugins may both define Rust's runtime symbols; each keeps its own.
  lib->m_handle = ::dlopen(lib->m_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->m_handle == nullptr) {
    const char* why = ::dlerror();
    throw fail("NotAPlugin", std::string("not a loadable shared library (") + (why ? why : "dlopen failed") + ")");
  }
  // A library that fails a check below is unloaded again: nothing of it is in use yet.
  struct close_on_failure {
    void* handle;
    bool armed = true;
    ~close_on_failure() {
      if (armed) ::dlclose(handle);
    }
  } guard{lib->m_handle};
  ::dlerror();
  void* entry_symbol = ::dlsym(lib->m_handle, PM_PLUGIN_ENTRY_NAME);
  if (entry_symbol == nullptr) {
    throw fail("NotAPlugin", std::string("it exports no ") + PM_PLUGIN_ENTRY_NAME +
                                 "() (is it a Promethean plugin? in Rust: promethean::plugin! { … })");
  }
  auto entry = reinterpret_cast<pm_plugin_entry>(entry_symbol);
  const pm_plugin_descriptor* d = entry();
  if (d == nullptr) throw fail("BadDescriptor", std::string(PM_PLUGIN_ENTRY_NAME) + "() returned NULL");
  if (d->struct_size < PM_NEEDS(pm_plugin_descriptor, abi_minor)) {
    throw fail("BadDescriptor", "its descriptor is truncated (struct_size " + std::to_string(d->struct_size) + ")");
  }
  if (d->abi_major != PM_PLUGIN_ABI_MAJOR) {
    throw fail("AbiMismatch", "it was built for plugin ABI " + std::to_string(d->abi_major) + "." +
                                  std::to_string(d->abi_minor) + ", and this host speaks ABI " +
                                  std::to_string(PM_PLUGIN_ABI_MAJOR) + "." + std::to_string(PM_PLUGIN_ABI_MINOR) +
                                  " (rebuild the plugin against this host's SDK)");
  }
  if (d->struct_size < PM_NEEDS(pm_plugin_descriptor, function_count)) {
    throw fail("BadDescriptor", "its descriptor is truncated (struct_size " + std::to_string(d->struct_size) +
                                    ", ABI 1.0 needs at least " +
                                    std::to_string(PM_NEEDS(pm_plugin_descriptor, function_count)) + ")");
  }
  if (!valid_name(d->name)) {
    throw fail("BadDescriptor", "its name must be letters, digits and '_', got '" +
                                    std::string(d->name ? d->name : "(null)") + "'");
  }
  lib->m_name = d->name;
  lib->m_version = d->version ? d->version : "";
  // PROMETHEAN_RUST_TYPED=0 makes the host ignore the typed forms of the plugins it loads from
  // then on: every call goes through the JSON text, to tell which form of a plugin misbehaves.
  const char* typed_setting = std::getenv("PROMETHEAN_RUST_TYPED");
  const bool typed_forms = typed_setting == nullptr || std::string_view(typed_setting) != "0";
  if (d->function_count > 0 && d->functions == nullptr) throw fail("BadDescriptor", "function_count > 0 but no functions");
  for (std::size_t i = 0; i < d->function_count; ++i) {
    const pm_function_descriptor& f = d->functions[i];
    if (f.struct_size < PM_NEEDS(pm_function_descriptor, function)) {
      throw fail("BadDescriptor", "function descriptor " + std::to_string(i) + " is truncated");
    }
    if (!valid_name(f.name) || f.function == nullptr) {
      throw fail("BadDescriptor", "function " + std::to_string(i) + " needs a name of letters, digits and '_' and a function pointer");
    }
    if (lib->m_functions.count(f.name)) throw fail("BadDescriptor", "function '" + std::string(f.name) + "' is defined twice");
    // `typed` is read only from a descriptor long enough to have it.
    pm_plugin_typed_function typed =
        typed_forms && f.struct_size >= PM_NEEDS(pm_function_descriptor, typed) ? f.typed : nullptr;
    lib->m_functions.emplace(f.name,
                             function{f.name, lib->m_name + "." + f.name, f.signature ? f.signature : "", f.function, typed});
  }
  fill_host_api(lib->m_api, lib.get());
  guard.armed = false;
  // Kept for the process's life (see the class comment): never destroyed, never dlclosed.
  static auto* const loaded = new std::vector<std::shared_ptr<plugin_library>>();
  static std::mutex loaded_mutex;
  {
    std::lock_guard lock(loaded_mutex);
    loaded->push_back(lib);
  }
  return lib;
}

host& plugin_library::owner() const {
  host* h = m_owner.load();
  if (h == nullptr) throw plugin_error("HostGone", "the host that loaded plugin " + m_name + " has shut down");
  return *h;
}

}  // namespace promethean::rust
