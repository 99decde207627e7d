// Private: the Python face of another runtime's function (a JS function, a Rust plugin's, ...):
// a callable object of type promethean.ForeignFunction whose repr names it,
// `<promethean js function hello>`, rather than CPython's `<built-in method hello of PyCapsule
// object at 0x...>`, which a bare C function bound to a capsule shows.
#pragma once

#include <Python.h>

#include <string>

namespace promethean::python {

/// The call: `target` is the object given below, the arguments are positional (vectorcall's).
using foreign_call = PyObject* (*)(PyObject* target, PyObject* const* args, Py_ssize_t nargs);

/// A new ForeignFunction (a new reference; nullptr with a Python error set on failure) that calls
/// `call(target, args, nargs)` through vectorcall, as fast as a C function does, refuses keyword
/// arguments, and holds `target` (a strong reference) for its life. `runtime` and `name` are
/// for its repr, `__name__` and `.runtime`. The caller holds the GIL.
PyObject* make_foreign_function(PyObject* target, foreign_call call, const std::string& runtime, const std::string& name);

/// promethean.ForeignFunction, made on first use (nullptr with a Python error set on failure). The
/// caller holds the GIL.
PyObject* foreign_function_type();

}  // namespace promethean::python
