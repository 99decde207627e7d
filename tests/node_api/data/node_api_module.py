"""A Python module the JS API suite loads with promethean.load('py', path)."""


def greet(name):
    return f"hello, {name}"
