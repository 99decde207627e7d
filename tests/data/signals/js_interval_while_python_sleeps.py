# Ctrl-C while Python sleeps in short naps and a JS interval runs on the loop thread:
# KeyboardInterrupt in the main thread (the loop thread does not take the signal), the loop thread
# stops with JS, and the host exits 130.
import time

import promethean

promethean.eval("js", "setInterval(() => {}, 20); 0")
print("ready", flush=True)
for _ in range(600):
    time.sleep(0.05)
