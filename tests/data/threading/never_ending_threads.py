# Two non-daemon threads that never end on their own, for the host's bounded wait at exit
# (tests/threading/test_shutdown.cpp): python3 would wait for them forever.
import threading
import time


def spin():
    while True:  # Python code: SystemExit, raised asynchronously, ends it
        time.sleep(0.001)


def block():
    threading.Event().wait()  # blocked in C, where no asynchronous exception reaches


threading.Thread(target=spin, name="spinner").start()
threading.Thread(target=block, name="blocked").start()
print("main done")
