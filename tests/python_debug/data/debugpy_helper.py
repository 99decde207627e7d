# A Python function that JS calls, with a breakpoint on its `result = a * 2` line.
def double(a):
    result = a * 2
    return result
