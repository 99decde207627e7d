// Private: the one place Python exceptions and promethean errors convert into each other.
#pragma once

#include <promethean/error.hpp>

#include <pybind11/pybind11.h>

namespace promethean::python {

/// Throws the Python exception being handled (pybind11's error_already_set) as a python_error with
/// its type name, message and formatted traceback. A ForeignError is thrown as the error it carries
/// (its runtime, type and message), with the Python frames it crossed added to its trace. A
/// SystemExit with a status (sys.exit(n), sys.exit()) is thrown as exit_error.
[[noreturn]] void throw_from_python(pybind11::error_already_set& e);

/// Raises `e` in Python as promethean.ForeignError (runtime, type, message, trace attributes).
/// Call inside a pybind11-bound function: it throws pybind11::error_already_set.
[[noreturn]] void raise_foreign(const error& e);

/// For a C-level Python function (METH_FASTCALL) inside `catch (...)`: sets the Python error for
/// the exception being handled and returns nullptr. A Python error stays itself; a TypeError from
/// converting the caller's own arguments (runtime "py") becomes a plain TypeError; another
/// runtime's error becomes promethean.ForeignError. Anything else it does not know (a thread's
/// forced unwind at exit) is rethrown, as it must be.
PyObject* python_error_from_current_exception();

/// Creates promethean.ForeignError and promethean.TimeoutError in module `m`.
void define_foreign_error(pybind11::module_& m);

/// promethean.TimeoutError (a subclass of the builtin TimeoutError), once the module exists.
pybind11::object& timeout_error_type();

}  // namespace promethean::python
