# Sets the signal table as python3 has it, then wraps _signal.signal; run with `signal_set` and
# `host_sigterm` in scope (python_signal_dispositions.cpp).
import _signal
_signal.signal(_signal.SIGINT, _signal.default_int_handler)
if host_sigterm:
    _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)

def _wrap(original, signal_set, SIGINT=_signal.SIGINT, SIGTERM=_signal.SIGTERM,
          default_int_handler=_signal.default_int_handler, SIG_DFL=_signal.SIG_DFL):
    def signal(signalnum, handler, /):
        previous = original(signalnum, handler)
        signal_set(signalnum, (signalnum == SIGINT and handler is default_int_handler) or (
            signalnum == SIGTERM and type(handler) is int and handler == SIG_DFL))
        return previous
    signal.__doc__ = original.__doc__
    signal.__wrapped__ = original
    return signal

original = _signal.signal
_signal.signal = _wrap(original, signal_set)
