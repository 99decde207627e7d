// The runtimes of the test and bench binaries: py, js and rust linked in statically (the binaries
// reach into their internals), registered before main() as library_runtimes.cpp registers libpromethean's.
#include <promethean/host/host.hpp>
#include <promethean/js/js_runtime.hpp>
#include <promethean/python/python_runtime.hpp>
#include <promethean/rust/rust_runtime.hpp>

namespace {
const bool g_registered = [] {
  promethean::register_runtime_factory({"js", promethean::make_js_runtime});
  promethean::register_runtime_factory({"py", promethean::make_python_runtime});
  promethean::register_runtime_factory({"rust", promethean::make_rust_runtime});
  return true;
}();
}  // namespace
