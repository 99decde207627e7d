// Private: threading's MainThread is the process's main thread, whichever thread imports
// threading first.
//
// threading takes the thread that imports it for the main thread. python3 imports it on the main
// thread or not at all; the host may first run Python on another thread (a worker process serves
// a call on an executor thread, a plugin's thread calls back) while the script's main thread has
// not imported threading yet. Importing it at start settled that, but cost every start 12 million
// instructions (~5 ms, a third of `python3 hello.py`'s whole run). Instead, a finder on
// sys.meta_path watches for threading's first import: on the main thread it steps aside (the
// import is python3's own); on another thread it lets threading load, then makes its MainThread
// stand for the main thread (its ident, its native id, a state lock that finalisation releases)
// as if the main thread had imported it.
#pragma once

namespace promethean::python {

/// On the process's main thread, with the GIL, once the interpreter has started there.
/// Throws pybind11::error_already_set.
void keep_main_thread_for_threading();

}  // namespace promethean::python
