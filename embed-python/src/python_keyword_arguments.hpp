// Private: keyword arguments in Python (promethean/host/keyword_arguments.hpp). `promethean.kw`
// is a dict subclass that crosses as the Kwargs marker and comes back as itself; a call whose last
// argument is one passes its items as keyword arguments (python_vectorcall.hpp).
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <vector>

namespace promethean::python {

/// Defines promethean.kw in the module (embedded and hosted alike).
void define_keyword_arguments(pybind11::module_& m);

/// True for a promethean.kw object. GIL held.
bool is_keyword_arguments(PyObject* o);

/// A new, empty promethean.kw. GIL held.
pybind11::dict new_keyword_arguments();

/// fn(*argv[:n-1], **argv[n-1]) where argv[n-1] is a promethean.kw: a vectorcall with keyword
/// names, the values borrowed from the dict. GIL held; errors as error_already_set.
pybind11::object call_with_keyword_arguments(PyObject* fn, PyObject* const* argv, std::size_t n);

/// A TypeError if a promethean.kw is among `args` anywhere but last. GIL held; `what` names the call.
void check_keyword_arguments_last(PyObject* const* args, std::size_t n, const char* what);

/// The arguments of a call from Python (borrowed references): `args`, then `keywords` (a
/// promethean.kw of the call's **kwargs) merged with the promethean.kw that ends `args`, if one
/// does (a name given twice is a TypeError). GIL held.
std::vector<PyObject*> with_keyword_arguments(PyObject* const* args, std::size_t n, const pybind11::object& keywords,
                                              const char* what);

}  // namespace promethean::python
