// promethean.pool: n instances of a runtime in processes of their own, as one (docs/PROCESSES.md).
#pragma once

#include <pybind11/pybind11.h>

namespace promethean::python {

/// Adds `pool` and `Pool` to the promethean module, from their Python code compiled at build time
/// (py/pool.py; running it makes a class and a function, nothing is imported). The module has no
/// __getattr__: CPython specialises `promethean.<name>` loads only on modules without one.
void define_pool_api(pybind11::module_& m);

}  // namespace promethean::python
