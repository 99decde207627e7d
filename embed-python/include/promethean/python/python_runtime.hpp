/// The `py` runtime: the system CPython (Debian's /usr/bin/python3) embedded in the host.
///
/// One interpreter per process, started on the thread that first asks for the runtime, with
/// Python's own signal handlers off (the host owns the signal policy). Between calls no thread
/// holds the GIL; each call takes it and releases it while waiting for another runtime.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/runtime.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace promethean {
class host;

/// Makes the `py` runtime for `h`. Throws usage_error when a py runtime already exists in this
/// process (CPython cannot be initialised twice).
PROMETHEAN_API std::unique_ptr<runtime> make_python_runtime(host& h);

/// What `python3 -c CODE ARGS…` (kind "-c") and `python3 -m MODULE ARGS…` (kind "-m") do, in the
/// py runtime `py` of a host: sys.argv is ["-c", ARGS…] (for -m, the module's path first), the
/// code runs as __main__, an uncaught exception prints its traceback. Returns the exit status
/// (SystemExit's code; 1 after an uncaught exception). The `promethean -c/-m` commands, which
/// multiprocessing's 'spawn' children and resource tracker run, are this.
PROMETHEAN_API int run_python_command(runtime& py, std::string_view kind, const std::string& text,
                                      const std::vector<std::string>& args);

}  // namespace promethean
