"""Signals in a plain python3 that imported promethean and started JS (test_hosted_process.py):
Python's own handling stays; Node takes none of Python's signals."""

import ctypes
import signal
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
# SIGINT's C-level handler is Python's wrapped by promethean's (python_hosted_signals.hpp): its
# behaviour is tested by the Ctrl-C cases, its Python-level handler here.
C_WATCHED = [signal.SIGTERM, signal.SIGPIPE, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2]
WATCHED = [signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2]


def c_handlers():
    """The C-level handler of each watched signal (struct sigaction's first field)."""
    out = {}
    for signo in C_WATCHED:
        action = ctypes.create_string_buffer(256)
        if libc.sigaction(int(signo), None, action) != 0:
            raise OSError(ctypes.get_errno(), "sigaction")
        out[signo.name] = int.from_bytes(action.raw[:8], "little")
    return out


before_c, before_py = c_handlers(), {s.name: signal.getsignal(s) for s in WATCHED}
import promethean  # noqa: E402

promethean.eval("js", "require('child_process').execFileSync('true'); setTimeout(() => {}, 10); 1")
after_c, after_py = c_handlers(), {s.name: signal.getsignal(s) for s in WATCHED}
if sys.argv[1] == "handlers":
    print("c", "same" if before_c == after_c else f"changed {before_c} -> {after_c}")
    print("py", "same" if before_py == after_py else f"changed {before_py} -> {after_py}")
elif sys.argv[1] == "sleep":
    print("ready", flush=True)
    time.sleep(30)
elif sys.argv[1] in ("js_loop", "js_promise", "js_loop_own_handler"):
    # Ctrl-C while the main thread waits on JS: the JS call stops, Python's handler raises (its
    # default KeyboardInterrupt, or the program's own), and JS serves the next call.
    class Stop(Exception):
        pass

    def own_handler(signo, frame):
        raise Stop("own handler")

    if sys.argv[1] == "js_loop_own_handler":
        signal.signal(signal.SIGINT, own_handler)  # Python installs its C handler again here
    code = {"js_promise": "new Promise((settle) => setTimeout(settle, 60000))"}.get(sys.argv[1], "while (true) {}")
    started = time.monotonic()
    try:
        print("ready", flush=True)
        promethean.eval("js", code)
        print("the JS call returned")
    except (KeyboardInterrupt, Stop) as e:
        print(f"{type(e).__name__} after {time.monotonic() - started:.1f} s")
    print("next call:", promethean.eval("js", "6 * 7"), flush=True)
