// Private: a runtime in a worker process of its own (`py@1`, `--isolate rust`).
#pragma once

#include <promethean/host/host.hpp>
#include <promethean/host/runtime.hpp>

#include <memory>
#include <string>

namespace promethean::detail {

/// Runtime `name` of `h`, run by a `promethean-worker` process started on first use, whose own
/// runtime `base` ("py" for "py@1") does the work. Crashes of that process fail the calls in
/// flight with a RuntimeCrashed error; the next call starts a fresh one.
std::unique_ptr<runtime> make_remote_runtime(host& h, std::string name, std::string base);

/// The worker executable: $PROMETHEAN_WORKER, else `promethean-worker` in the runtime module
/// directories (runtime_module.hpp). Throws usage_error naming where it looked.
std::filesystem::path worker_executable();

}  // namespace promethean::detail
