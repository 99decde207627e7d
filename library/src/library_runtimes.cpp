// The runtimes libpromethean carries: rust linked in (it needs no engine), py and js as runtime
// modules loaded on first start, so that a process pays for an engine only when it uses it.
// sh and meta are the core's own. This file is the library's composition; the core names no runtime.
#include <promethean/host/host.hpp>
#include <promethean/host/runtime_module.hpp>
#include <promethean/rust/rust_runtime.hpp>

namespace {
/// Runs when libpromethean is loaded, before its user can make a Host.
const bool g_registered = [] {
  promethean::register_runtime_factory({"rust", promethean::make_rust_runtime});
  promethean::register_runtime_factory(promethean::module_runtime_factory("py"));
  promethean::register_runtime_factory(promethean::module_runtime_factory("js"));
  return true;
}();
}  // namespace
