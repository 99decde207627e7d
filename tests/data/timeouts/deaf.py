# Stuck in a C call no interrupt reaches: this thread blocks SIGURG, the host's wake-up signal
# (embed-python/src/python_main_wake.hpp), so time.sleep is never woken; the backstop ends it.
import signal
import time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGURG})
print("started", flush=True)
time.sleep(60)
