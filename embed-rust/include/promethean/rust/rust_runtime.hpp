/// The `rust` runtime: plugins (Rust cdylibs, or any library speaking the C ABI of plugin_abi.h)
/// loaded with `load("rust", path)`, their functions called as "<plugin>.<function>".
///
/// Buffers cross as views of the same memory both ways; a buffer a plugin makes from its own
/// memory (a Rust Vec) reaches the host without a copy and keeps the plugin's library mapped until
/// it is released. Plugin functions may be called from any thread, concurrently.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/runtime.hpp>

#include <memory>

namespace promethean {
class host;

/// Makes the `rust` runtime for `h`.
PROMETHEAN_API std::unique_ptr<runtime> make_rust_runtime(host& h);

}  // namespace promethean
