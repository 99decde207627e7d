# promethean.ForeignError, ForeignTraceback and TimeoutError (python_errors.cpp).
class ForeignError(Exception):
    """An error raised in another runtime: .runtime, .type, .message and .trace say what and where."""
    def __init__(self, runtime, type, message, trace=""):
        super().__init__(f"{runtime} {type}: {message}")
        self.runtime = runtime
        self.type = type
        self.message = message
        self.trace = trace

class ForeignTraceback(Exception):
    """The other runtime's own traceback of a ForeignError, as its __cause__: printed above it, as
    Python prints the exception another was raised from."""

class TimeoutError(TimeoutError):
    """Raised asynchronously in Python code still running when its call's timeout passes
    (promethean.call(..., timeout=s), call_options::timeout). Like KeyboardInterrupt, it is noticed
    between bytecodes: a long C call (a big numpy operation) finishes first, and so does a blocking
    one (time.sleep, a lock wait) except on the main thread of an embedded Python, which is woken."""
    def __str__(self):
        # No __init__: raised asynchronously, it is made with no arguments, and a Python __init__
        # would be a frame of ours in the user's traceback.
        return super().__str__() or "the call's timeout passed"
