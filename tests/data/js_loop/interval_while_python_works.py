# A JS interval keeps ticking while Python sleeps and while it computes, with no call into JS
# meanwhile: the js runtime's loop thread runs the event loop in the background.
import time

import promethean

promethean.eval("js", "globalThis.ticks = 0; setInterval(() => { ticks++; }, 50); 0")
time.sleep(0.5)
slept = promethean.eval("js", "ticks")

start = promethean.eval("js", "ticks")
deadline = time.monotonic() + 0.5
n = 0
while time.monotonic() < deadline:  # pure Python, holding the GIL
    n += 1
computed = promethean.eval("js", "ticks") - start
print(f"while sleeping: {slept}")
print(f"while computing: {computed}")
