// The runtimes compiled into this build. Lives outside the host core so that the host does not
// depend on the embedding components: this file (and only this one) names them all.
#include "meta/meta_runtime.hpp"
#include "shell_runtime.hpp"

#include <promethean/host/host.hpp>
#include <promethean/js/js_runtime.hpp>
#include <promethean/python/python_runtime.hpp>
#include <promethean/rust/rust_runtime.hpp>

namespace promethean {

std::vector<runtime_factory> builtin_runtime_factories() {
  return {
      runtime_factory{"js", make_js_runtime},
      runtime_factory{"meta", detail::make_meta_runtime},
      runtime_factory{"py", make_python_runtime},
      runtime_factory{"rust", make_rust_runtime},
      runtime_factory{"sh", detail::make_shell_runtime},
  };
}

}  // namespace promethean
