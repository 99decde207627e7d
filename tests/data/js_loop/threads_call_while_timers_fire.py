# Python threads call into JS while JS timers fire on the loop thread: every call gets its own
# right answer, and the timers keep firing meanwhile.
import threading
import time

import promethean

promethean.eval("js", """
globalThis.ticks = 0;
setInterval(() => { ticks++; }, 1);
globalThis.state = { calls: 0 };
globalThis.mix = (a, b) => { state.calls++; return a * 1000 + b; };
0
""")

THREADS, CALLS = 4, 2000
results = [None] * THREADS

def work(i):
    total = 0
    for k in range(CALLS):
        if k % 2:
            total += promethean.call("js", "mix", i, k) - i * 1000
        else:
            total += promethean.eval("js", f"mix({i}, {k})") - i * 1000
    results[i] = total

before = promethean.eval("js", "ticks")
start = time.monotonic()
threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
seconds = time.monotonic() - start
ticked = promethean.eval("js", "ticks") - before
print(results == [CALLS * (CALLS - 1) // 2] * THREADS)
print(promethean.eval("js", "state.calls") == THREADS * CALLS)
# A 1 ms interval over the threads' run (at least 50 ms on any machine: 8000 calls).
print(ticked >= min(10, seconds * 100) or f"the timer starved: {ticked} ticks in {seconds:.3f} s")
