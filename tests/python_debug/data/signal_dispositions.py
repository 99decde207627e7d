# Prints what signal.getsignal reports for every signal, then saves, replaces and restores
# handlers as libraries do; test_signal_dispositions.py compares the output with python3's.
import json
import os
import signal
import sys
import time


def name_of(handler):
    if isinstance(handler, signal.Handlers):
        return handler.name
    return getattr(handler, "__name__", repr(handler))


print(json.dumps({s.name: name_of(signal.getsignal(s)) for s in signal.Signals}))

# Save, replace, restore: the saved value must be one signal.signal takes back.
got = []
old = signal.signal(signal.SIGTERM, lambda signo, frame: got.append(signo))
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.05)
print("SIGTERM handled:", got == [signal.SIGTERM], "saved:", name_of(old))
signal.signal(signal.SIGTERM, old)
print("SIGTERM restored:", name_of(signal.getsignal(signal.SIGTERM)))

# A SIGINT sent to itself raises KeyboardInterrupt at once, where it was sent; caught, the
# program goes on, and its exit status is its own.
for attempt in range(2):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100):
            time.sleep(0.01)
        print("SIGINT not raised")
    except KeyboardInterrupt:
        print("KeyboardInterrupt", attempt)
old = signal.signal(signal.SIGINT, signal.SIG_IGN)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.05)
signal.signal(signal.SIGINT, old)
print("SIGINT restored:", name_of(signal.getsignal(signal.SIGINT)))
sys.stdout.flush()
if len(sys.argv) > 1 and sys.argv[1] == "wait-for-sigterm":
    # The host's SIGTERM handler is back (not the kernel's default): the end is a clean one.
    print("ready", flush=True)
    time.sleep(30)
