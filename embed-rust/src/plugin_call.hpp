// Private: calling one plugin function, found already — by name from the rust runtime, or once
// for a callable (host::resolve) — through its JSON form or its typed form.
#pragma once

#include "plugin_library.hpp"

#include <promethean/host/callable.hpp>
#include <promethean/host/message.hpp>

#include <memory>
#include <span>

namespace promethean::rust {

/// Calls `f` with a message (a JSON array): the typed form when the plugin has one and every
/// argument is a scalar, a string or a buffer, else the JSON text form.
message call_plugin(const plugin_library& lib, const plugin_library::function& f, const message& args);

/// Calls `f` with typed arguments: straight into the typed form when the plugin has one (no JSON
/// on either side, nothing allocated for a scalar result), else their JSON message.
message call_plugin(const plugin_library& lib, const plugin_library::function& f, std::span<const argument> args);

/// The callable target of `f` (host::resolve). `lib` and `f` live for the process (see
/// plugin_library); a call once the loading runtime shut down is a usage_error.
std::shared_ptr<const callable_target> make_callable(const plugin_library& lib, const plugin_library::function& f);

}  // namespace promethean::rust
