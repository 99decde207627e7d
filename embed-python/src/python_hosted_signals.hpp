// Private: Ctrl-C in the Python-hosted mode, where the signal handlers are the user's Python's
// (and in an embedded Python program, which takes SIGINT for its run: python_signal_dispositions.hpp).
//
// Python's own SIGINT handler only trips a flag that its main thread reads between bytecodes: a
// main thread away in a JS call (a loop, a Promise it waits for) would not see it until that call
// ends, which may be never. So the C-level handler Python installed is wrapped: the wrapper calls
// it first (so Python's behaviour, KeyboardInterrupt or the user's own handler, is unchanged), and
// when the main thread is away in another runtime it also wakes a watcher thread, which cancels
// the calls in progress (host::cancel_calls: the JS call stops, JS stays usable). Back in Python,
// the handler's exception takes the place of the call's error (raise_foreign). Python installs its
// handler again whenever the program calls signal.signal(SIGINT, …) (asyncio does): the package
// wraps it again each time (rewrap_sigint, from promethean/__init__.py; embedded, from the wrapper
// of _signal.signal that python_signal_dispositions.cpp installs).
#pragma once

namespace promethean {
class host;
}

namespace promethean::python {

/// Starts forwarding to `h` (the watcher thread) and wraps SIGINT's handler when it is a function
/// (SIG_DFL and SIG_IGN are left alone: then Ctrl-C is not Python's to handle). Throws
/// std::system_error when the watcher cannot start.
void start_sigint_forwarding(host& h);

/// Wraps SIGINT's handler again if Python replaced it. Cheap when it did not (one sigaction).
void rewrap_sigint();

/// Stops forwarding: the handler Python installed goes back, the watcher ends. Idempotent.
void stop_sigint_forwarding();

}  // namespace promethean::python
