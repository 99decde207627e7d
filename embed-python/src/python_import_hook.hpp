// Private: code run at a module's first import, set up without compiling any Python.
//
// Both hooks of the host's start (multiprocessing's configuration, threading's main thread) used
// to be Python classes put on sys.meta_path; compiling them cost every start ~2.5 million
// instructions, for modules most scripts never import. The finder here is a class made by a
// type() call around a C++ function; the Python a hook needs runs only when its module is
// imported. A class, as importlib's own finders are: hashable, with a __module__, as code that
// walks sys.meta_path expects (CPython's test_sys and test_bdb do).
#pragma once

#include <pybind11/pybind11.h>

#include <functional>

namespace promethean::python {

/// Puts a finder at the front of sys.meta_path that, at the first import of `module` (on any
/// thread), leaves the path and returns what `on_import(name)` returns: a module spec, or None to
/// let the next finders import it as usual. `class_name` names the finder for whoever looks. The
/// caller holds the GIL. Throws pybind11::error_already_set.
void on_first_import(const char* module, const char* class_name, std::function<pybind11::object(const pybind11::str&)> on_import);

}  // namespace promethean::python
