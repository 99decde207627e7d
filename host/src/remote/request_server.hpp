// Private: what one process does with the requests of another (runtime operations on its Host).
#pragma once

#include "crossing_tables.hpp"

#include <promethean/host/host.hpp>
#include <promethean/host/pending_call.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace promethean::detail {

/// Runs request `head` ({"op": "call", "rt": "py", "fn": …}, payload: the arguments) on `h` and
/// returns its pending result: ready at once for a blocking operation; an async call's ("acall",
/// "aeval") settles when the callee's Promise or coroutine does. A call by token ("tok") calls a
/// function this process lent the other (`tables`). `route` maps the runtime name the other process
/// used to this host's (a worker strips "@host").
std::shared_ptr<pending_call> serve_request(host& h, crossing_tables& tables, const nlohmann::json& head,
                                            const message& payload);

/// The options of a request, as link runtimes write them (request_options) and servers read them.
nlohmann::json options_to_json(const call_options& options);
call_options options_from_json(const nlohmann::json& head);

}  // namespace promethean::detail
