# Stops in pdb (breakpoint()), then counts in a loop that a Ctrl-C under `continue` interrupts.
import sys
import time


def add(a, b):
    total = a + b
    return total


x = 41
breakpoint()
y = add(x, 1)
print("result", y)
if len(sys.argv) > 1 and sys.argv[1] == "loop":
    i = 0
    print("looping", flush=True)
    while i < 600:
        time.sleep(0.05)
        i += 1
    print("loop ended early:", i < 600)
