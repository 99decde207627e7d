/// The `py` runtime: the system CPython (Debian's /usr/bin/python3) embedded in the host.
///
/// One interpreter per process, started on the thread that first asks for the runtime, with
/// Python's own signal handlers off (the host owns the signal policy). Between calls no thread
/// holds the GIL; each call takes it and releases it while waiting for another runtime.
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/runtime.hpp>

#include <memory>

namespace promethean {
class host;

/// Makes the `py` runtime for `h`. Throws usage_error when a py runtime already exists in this
/// process (CPython cannot be initialised twice).
PROMETHEAN_API std::unique_ptr<runtime> make_python_runtime(host& h);

/// Makes the `py` runtime for `h` from the Python this process already runs (the Python-hosted
/// mode: `import promethean` in the user's python3), which it never initialises nor finalises.
/// Throws usage_error when Python is not running or a py runtime already holds it.
PROMETHEAN_API std::unique_ptr<runtime> make_adopted_python_runtime(host& h);

}  // namespace promethean
