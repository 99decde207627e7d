// Private: Node's inspector for the embedded JS, opened from the host's options as `node --inspect`.
//
// Node starts its inspector itself when the environment is created, from the per-process options
// (node::InitializeOncePerProcess reads them from a command line): the WebSocket server on its own
// thread, the "Debugger listening on ws://…" line on stderr, and for --inspect-brk the wait for a
// debugger's Runtime.runIfWaitingForDebugger and the pause on the main module's first statement
// (Node's CommonJS and ES module loaders do that for process.argv[1]: bootstrap.js's runMain).
// So the host hands Node the flag and Node does the rest, exactly as for `node`.
#pragma once

#include <string>
#include <vector>

namespace promethean {
struct js_inspector_options;
}

namespace promethean::js {

/// Node's command-line flags for `options`: none when the inspector is off, else
/// "--inspect=HOST:PORT" or "--inspect-brk=HOST:PORT". Throws usage_error for what node would
/// refuse (a port from 1 to 1023, an empty host).
std::vector<std::string> inspector_flags(const js_inspector_options& options);

}  // namespace promethean::js
