"""Loaded by the Python API suite (test_python_api.py) with promethean.load("py", ...)."""


def square(x):
    return x * x
