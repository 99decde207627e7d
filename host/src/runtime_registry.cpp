// The process's default runtimes: the core's own (sh, meta) and what the process's composer registered.
#include "meta/meta_runtime.hpp"
#include "shell_runtime.hpp"

#include <promethean/host/host.hpp>

#include <algorithm>
#include <mutex>

namespace promethean {
namespace {
struct registry {
  std::mutex mutex;
  std::vector<runtime_factory> factories{
      runtime_factory{"meta", detail::make_meta_runtime},
      runtime_factory{"sh", detail::make_shell_runtime},
  };
};

/// A function-local static: composers register from static initialisers of their own, which may
/// run before this file's.
registry& the_registry() {
  static registry r;
  return r;
}
}  // namespace

std::vector<runtime_factory> default_runtime_factories() {
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  auto out = r.factories;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

void register_runtime_factory(runtime_factory factory) {
  auto& r = the_registry();
  std::lock_guard lock(r.mutex);
  auto same = std::find_if(r.factories.begin(), r.factories.end(), [&](const auto& f) { return f.name == factory.name; });
  if (same != r.factories.end()) {
    *same = std::move(factory);
  } else {
    r.factories.push_back(std::move(factory));
  }
}

}  // namespace promethean
