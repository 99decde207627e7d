// Private: multiprocessing inside the host. The embedded interpreter's sys.executable is Debian's
// python3, which has no `promethean` module, and the default 'fork' start method would copy a
// process whose Node threads the child does not get. So, when a script first imports
// multiprocessing: 'spawn' becomes the default start method, and its children (and the resource
// tracker) are started with the `promethean` command, which runs `promethean -c CODE` as
// `python3 -c CODE` does, in a host of its own where `import promethean` works.
#pragma once

namespace promethean::python {

/// Installs the import hook that configures multiprocessing on first import; the caller holds
/// the GIL. Throws pybind11::error_already_set.
void install_multiprocessing_hook();

}  // namespace promethean::python
