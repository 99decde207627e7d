# promethean.copy and promethean.export, run in the module's namespace (python_module.cpp).
def copy(x):
    """A writable, C-contiguous copy of x (any array or buffer) in a new host buffer, as a numpy
    array: what to send where x itself cannot go, a read-only array (np.asarray of a Pillow
    image) or a strided one to JS, whose TypedArrays are writable and contiguous. The copy is
    made once, here; from then on it crosses without one."""
    import numpy
    source = numpy.asarray(x)
    out = alloc(list(source.shape), source.dtype.name)
    out[...] = source
    return out

def export(fn=None, name=None):
    """Make a Python function callable from other runtimes by name: @export, @export(name="x"),
    or export(fn, "x")."""
    if fn is None:
        return lambda f: _export(f, name)
    if isinstance(fn, str) and name is None:
        return lambda f: _export(f, fn)
    return _export(fn, name)
