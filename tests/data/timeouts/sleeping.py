# Stuck in a C call (time.sleep), where Python notices no interrupt: the backstop ends it.
import time
print("started", flush=True)
time.sleep(60)
