# Blocked in a C call (time.sleep): the timeout wakes it, as Ctrl-C would in python3.
import time
print("started", flush=True)
time.sleep(60)
