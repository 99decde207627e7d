"""Signals in a plain python3 that imported promethean and started JS (test_hosted_exit.py):
Python's own handling stays; Node takes none of Python's signals."""

import ctypes
import signal
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
WATCHED = [signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2]


def c_handlers():
    """The C-level handler of each watched signal (struct sigaction's first field)."""
    out = {}
    for signo in WATCHED:
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
