# Blocks the main thread in one blocking call (argv[1]) until Ctrl-C; with "nested" (argv[2]) the
# blocking Python runs inside a JS call made from Python (py -> js -> py). Prints "ready" just
# before it blocks, and "not reached" if the call ever returns.
import sys
import time


def block(kind):
    if kind == "sleep":
        ready()
        time.sleep(30)
    elif kind == "recv":
        import socket
        a, b = socket.socketpair()
        ready()
        a.recv(1)
    elif kind == "queue":
        import queue
        q = queue.Queue()
        ready()
        q.get()
    elif kind == "subprocess":
        import subprocess
        child = subprocess.Popen(["sleep", "30"])
        try:
            ready()
            child.wait()
        finally:
            child.kill()
            child.wait()
    elif kind == "lock":
        import threading
        lock = threading.Lock()
        lock.acquire()
        ready()
        lock.acquire()
    elif kind == "event":
        import threading
        ready()
        threading.Event().wait()
    elif kind == "asyncio":
        import asyncio
        ready()
        asyncio.run(asyncio.sleep(30))
    else:
        raise ValueError("unknown kind " + kind)
    print("not reached", flush=True)


def ready():
    print("ready", flush=True)


kind = sys.argv[1]
if len(sys.argv) > 2 and sys.argv[2] == "nested":
    import promethean
    promethean.export(block)
    promethean.eval("js", "promethean.call('py', 'block', %r)" % kind)
else:
    block(kind)
