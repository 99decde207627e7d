/// The worker process: what runs a runtime instance in a process of its own (`py@1`).
///
/// A Host starts `promethean-worker` for a runtime name with an `@` suffix (`py@1`, `js@web`) or
/// one it was told to isolate (host_options::isolate), passing one end of a Unix socket. The worker
/// makes its own Host (with the runtimes of the library that composes it), starts the one runtime
/// it is for, and serves the host's requests over the socket; every other runtime name it is asked
/// for (a call from its Python to `js`, say) goes back to the host. docs/PROCESSES.md.
#pragma once

#include <promethean/config.hpp>

namespace promethean {

/// The worker's main: `promethean-worker --fd N --runtime BASE --name NAME --parent PID
/// [--main-script PATH]`. Returns the process's exit status: 0 when the host said goodbye or went
/// away, 2 for a bad command line or a runtime that cannot start (said on stderr).
PROMETHEAN_API int run_worker(int argc, char** argv);

}  // namespace promethean
