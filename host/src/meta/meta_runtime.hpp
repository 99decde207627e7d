// Private: the `meta` runtime: `.sib` scripts, evaluated by the host itself.
#pragma once

#include <promethean/host/runtime.hpp>

#include <memory>

namespace promethean {
class host;
namespace detail {
std::unique_ptr<runtime> make_meta_runtime(host& h);
}  // namespace detail
}  // namespace promethean
