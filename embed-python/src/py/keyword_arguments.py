# promethean.kw (python_keyword_arguments.cpp).
class kw(dict):
    """Keyword arguments for a call into another runtime, as its last argument:
    promethean.call("py", "sorted", xs, promethean.kw(reverse=True)); the same as
    promethean.call("py", "sorted", xs, reverse=True), and the way to pass one named timeout.
    A Python function receives them as keyword arguments; a JS function as a last plain object."""
    __slots__ = ()

    def __repr__(self):
        return "promethean.kw(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"
