// Private: the `promethean` Python module (python_module.cpp), which both ways in share: built in
// when the host starts its own Python, the extension promethean._native in the hosted mode.
#pragma once

#include <Python.h>

namespace promethean::python {

/// Makes the module object (named `promethean`); the caller holds the GIL. Throws
/// pybind11::error_already_set or the error family.
PyObject* make_module();

}  // namespace promethean::python
