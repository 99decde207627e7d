# Functions the serve tests call over WebSocket (tests/serve/test_serve_client.mjs): plain values,
# buffers, errors, slow calls, and calls back into a connected client named "web".
import time

import numpy
import promethean


@promethean.export
def add(a, b):
    return a + b


@promethean.export
def info(array):
    return {"shape": list(array.shape), "dtype": str(array.dtype), "sum": float(array.sum()),
            "address": promethean.buffer_info(array)["address"]}


@promethean.export
def scale(array, k):
    return (array * k).astype(array.dtype)


@promethean.export
def fail(text):
    raise ValueError(text)


@promethean.export
def slow(seconds):
    time.sleep(seconds)
    return seconds


@promethean.export
def ask_web(function, *args):
    return promethean.call("web", function, *args)


@promethean.export
def message_web(payload):
    return promethean.send_json("web", payload)


@promethean.export
def make(n):
    return numpy.arange(n, dtype=numpy.float64)
