"""Issue 7, scenario 7, the Python side of the work left in flight at shutdown
(shutdown_in_flight.sib and tests/threading/test_shutdown.cpp load it, after shutdown_work.js).

start() leaves three threads running: a daemon thread calling JS with a numpy array in a loop that
never ends, a daemon thread awaiting a Promise only a 60 s timer settles, and a non-daemon thread
with a little work left, which the host waits for before anything shuts down (as python3 does).
That thread finishes its work only after main_done(), which the script calls as its last step, so
that its line comes after the script's on a machine however loaded."""
import threading
import time

import numpy
import promethean

promethean.register_buffer_type("ShutdownRGB", ["height", "width", "channels"], "uint8", {"channels": 3})
rgb = promethean.alloc([48, 64, 3], "uint8", type="ShutdownRGB")  # numpy over a host buffer
rgb[...] = 200
kept = [rgb]
_main_done = threading.Event()


def image():
    return rgb


def keep(x):
    kept.append(x)
    return len(kept)


def _call_js_forever():
    values = numpy.arange(256, dtype=numpy.float32)
    while True:
        try:
            promethean.call("js", "shutdown_work.sum", values)
        except promethean.ForeignError:
            time.sleep(0.001)  # js has shut down: the host is ending


def _await_forever():
    try:
        promethean.call("js", "shutdown_work.later")
    except promethean.ForeignError as e:
        assert e.type == "Shutdown", e  # the host ended while this thread waited


def _finish_some_work():
    total = 0
    for _ in range(20):
        total += promethean.call("js", "shutdown_work.sum", numpy.ones(8, dtype=numpy.float32))
    _main_done.wait(60)
    time.sleep(0.05)
    print("non-daemon thread done:", int(total), flush=True)


def main_done():
    _main_done.set()
    return True


def start():
    threading.Thread(target=_call_js_forever, daemon=True).start()
    threading.Thread(target=_await_forever, daemon=True).start()
    threading.Thread(target=_finish_some_work).start()
    return 3
