# The program debugpy runs (test_debugpy.py sets a breakpoint on the `total = n * 2` line).
import sys


def compute(n):
    total = n * 2
    return total


print("argv", sys.argv[1:])
print("value", compute(21))
