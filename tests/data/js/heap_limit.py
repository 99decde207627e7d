# Run with --js-heap-limit 64: runaway JS allocations stop the JS call (or the event-loop callback)
# with OutOfMemory, while the host, Python and later JS calls go on.
import time

import promethean

try:
    promethean.eval("js", "let a = []; while (true) a.push(new Array(1e6))")
    print("no error")
except promethean.ForeignError as e:
    print(e.runtime, e.type, "64 MiB" in e.message)
print(promethean.eval("js", "[1, 2, 3].map((x) => x * 2)"))

# A function called by name, from a Python thread.
import threading
promethean.eval("js", "globalThis.hog = () => { const b = []; for (;;) b.push({ s: 'x'.repeat(64) + Math.random() }); }; 0")
caught = []
def call_hog():
    try:
        promethean.call("js", "hog")
    except promethean.ForeignError as e:
        caught.append(e.type)
t = threading.Thread(target=call_hog)
t.start()
t.join()
print(caught)

# A timer callback on the loop thread: no call to fail, and Node's JS around a callback cannot
# go on after it is cut: JS is ended (reported on stderr), as Node's process would end; Python
# goes on.
promethean.eval("js", "setTimeout(() => { const c = []; for (;;) c.push(new Array(1e5).fill(1)); }, 1); 0")
time.sleep(1.0)
try:
    promethean.eval("js", "new Promise((resolve) => setTimeout(resolve, 1))")
    print("js still runs its loop")
except promethean.ForeignError as e:
    print("js after:", e.type)
print(promethean.eval("py", "6 * 7"))
