"""Promethean: call JavaScript, Rust, shell and meta code from this Python, and share buffers
(numpy arrays, anything with the buffer protocol) with them without a copy.

Imported in the user's own python3 (a venv, a notebook, a Dask worker), this package is the
Python-hosted way in: the interpreter that is running becomes Promethean's py runtime, untouched
(its signal handlers, its exit), and js, rust, sh and meta start when first used. Inside
`promethean run`, `import promethean` is the host's built-in module instead, with the same API.

    import numpy as np, promethean
    promethean.eval("js", "globalThis.total = (a) => a.reduce((s, x) => s + x, 0)")
    promethean.call("js", "total", np.arange(10, dtype=np.float64))   # 45.0, no copy made
"""

from promethean import _native

# The API is the native module's, the same functions as the built-in module of the embedded mode.
globals().update({name: value for name, value in vars(_native).items()
                  if not (name.startswith("__") and name.endswith("__"))})
__version__ = _native.__version__


def _keep_ctrl_c_reaching_other_runtimes():
    """Python installs its own C-level SIGINT handler whenever the program sets a SIGINT handler
    (signal.signal; asyncio.run does it too), replacing the wrapper that lets Ctrl-C stop a call
    Python's main thread waits for in another runtime: wrap it again after each such call. The
    Python-level behaviour of signal.signal is unchanged (docs/PYTHON.md, "Signals")."""
    import _signal

    original = _signal.signal

    def signal(signalnum, handler, /):
        previous = original(signalnum, handler)
        if signalnum == _signal.SIGINT:
            _native._rewrap_sigint()
        return previous

    signal.__doc__ = original.__doc__
    signal.__wrapped__ = original
    _signal.signal = signal


_keep_ctrl_c_reaching_other_runtimes()
# Imported inside a running asyncio loop (a notebook's cell, an asyncio program): coroutines that
# other runtimes call run on that loop, where they can use its objects.
# (Without asyncio imported there is no loop: nothing to note, and nothing imported for it.)
if "asyncio" in __import__("sys").modules:
    _native._note_main_loop()
__all__ = sorted(name for name in dir(_native) if not name.startswith("_"))
