// Private: calling one plugin function, found already — by name from the rust runtime, or once
// for a callable (host::resolve) — through its JSON form or its typed form.
#pragma once

#include "plugin_library.hpp"

#include <promethean/host/callable.hpp>
#include <promethean/host/message.hpp>
#include <promethean/host/pending_call.hpp>

#include <memory>
#include <span>
#include <string>

namespace promethean::rust {

/// Calls `f` with a message (a JSON array): the typed form when the plugin has one and every
/// argument is a scalar, a string or a buffer, else the JSON text form. A pending result (ABI 1.2)
/// is waited for, unless `deferred` is given: then it is put there (and the message is null),
/// for an async call; `deferred` stays empty for a result that is there at once.
message call_plugin(const plugin_library& lib, const plugin_library::function& f, const message& args,
                    std::shared_ptr<pending_call>* deferred = nullptr);

/// Calls `f` with typed arguments: straight into the typed form when the plugin has one (no JSON
/// on either side, nothing allocated for a scalar result), else their JSON message.
message call_plugin(const plugin_library& lib, const plugin_library::function& f, std::span<const argument> args);

/// A timeout given to a rust call is refused (usage_error), not ignored: a plugin function is
/// native code, which runs to its end once called. A timeout that only carries the deadline of an
/// enclosing timed call on this thread (meta passes it on) is let through: that deadline stops the
/// calls the plugin makes back into py or js. Costs nothing without a timeout.
void refuse_timeout(const call_options& options, const std::string& function);

/// The callable target of `f` (host::resolve). `lib` and `f` live for the process (see
/// plugin_library); a call once the loading runtime shut down is a usage_error.
std::shared_ptr<const callable_target> make_callable(const plugin_library& lib, const plugin_library::function& f);

}  // namespace promethean::rust
