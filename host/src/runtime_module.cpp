// Runtime modules: finding, loading and checking the shared object of an engine-bound runtime.
#include <promethean/error.hpp>
#include <promethean/host/runtime_module.hpp>
#include <promethean/host/search_path.hpp>

#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <vector>

namespace promethean {
namespace {

/// Loads the module of `name` and returns its descriptor; throws usage_error saying why not.
const runtime_module_descriptor& load_module(const std::string& name) {
  const std::string file = "promethean_" + name + ".so";
  std::string searched;
  std::filesystem::path found;
  for (const auto& dir : search_directories("PROMETHEAN_RUNTIME_PATH", "runtimes")) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / file, ec)) {
      found = dir / file;
      break;
    }
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  if (found.empty()) {
    throw usage_error("cannot start the " + name + " runtime: its module " + file + " is in none of [" + searched +
                          "] (set PROMETHEAN_RUNTIME_PATH to the directory that has it)",
                      name);
  }
  // RTLD_GLOBAL: the engine's own extension modules (numpy's, a Node addon) find its symbols in
  // the global scope, as they do in python3 or node, where the engine is the executable.
  void* handle = ::dlopen(found.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw usage_error("cannot start the " + name + " runtime: loading " + found.string() + " failed: " +
                          (why ? why : "unknown reason"),
                      name);
  }
  const std::string symbol = "promethean_runtime_module_" + name;
  using entry_fn = const runtime_module_descriptor* (*)();
  auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, symbol.c_str()));
  const runtime_module_descriptor* d = entry ? entry() : nullptr;
  if (d == nullptr || d->struct_size < sizeof(runtime_module_descriptor) || d->make == nullptr) {
    throw usage_error("cannot start the " + name + " runtime: " + found.string() + " is not a runtime module (no " +
                          symbol + " entry, or an incomplete descriptor)",
                      name);
  }
  if (std::strcmp(d->version, PROMETHEAN_VERSION_STRING) != 0) {
    throw usage_error("cannot start the " + name + " runtime: " + found.string() + " is from Promethean " +
                          d->version + ", this library is " + PROMETHEAN_VERSION_STRING + " (install them together)",
                      name);
  }
  return *d;
}

}  // namespace

runtime_factory module_runtime_factory(std::string name) {
  return runtime_factory{name, [name](host& h) -> std::unique_ptr<runtime> {
                           // dlopen is itself serialised and idempotent; the descriptor is static.
                           return load_module(name).make(h);
                         }};
}

}  // namespace promethean
