"""One way for a plain python3 that imported promethean to end (test_hosted_process.py runs each):
the host must stop JS and the plugins before Python finalises, free every buffer once (the ledger,
checked after finalisation with PROMETHEAN_LEAK_CHECK=1), and leave the exit status Python's."""

import atexit
import sys

case = sys.argv[1]

if case == "atexit_before_import":
    # Registered before promethean's own handler, so it runs after the host shut down.
    def late():
        try:
            promethean.eval("js", "1")
        except promethean.ForeignError as e:
            print("late call:", e.message, flush=True)
    atexit.register(late)

import numpy as np  # noqa: E402
import promethean  # noqa: E402

# Buffers of every owner, still held when the program ends: numpy memory held by JS, a JS
# TypedArray held by numpy, a Rust-made buffer held by numpy; and a JS timer still pending.
mine = np.arange(1 << 16, dtype=np.uint8)
promethean.eval("js", "globalThis.kept = []; globalThis.keep = (x) => { kept.push(x); return x.length }")
promethean.call("js", "keep", mine)
from_js = promethean.eval("js", "new Float64Array(1024).fill(2)")
promethean.load("rust", "imageops")
gray = promethean.call("rust", "imageops.grayscale", np.zeros((8, 8, 3), dtype=np.uint8))
promethean.eval("js", "setInterval(() => {}, 1000); setTimeout(() => {}, 60000); 0")
assert from_js.sum() == 2048 and gray.shape == (8, 8)

if case == "normal":
    print("normal end", flush=True)
elif case == "sys_exit":
    sys.exit(7)
elif case == "uncaught":
    raise RuntimeError("uncaught on purpose")
elif case == "atexit_before_import":
    print("ending", flush=True)
elif case == "leak":
    # A buffer that is never freed (a reference nobody drops): the ledger's check must see it.
    import ctypes
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(promethean.alloc([1000], "uint8")))
else:
    sys.exit(f"unknown case {case}")
