// promethean.pool: n instances of a runtime in processes of their own, as one (docs/PROCESSES.md).
#pragma once

#include <pybind11/eval.h>
#include <pybind11/pybind11.h>

namespace promethean::python {

/// Adds `pool` and `Pool` to the promethean module.
void define_pool_api(pybind11::module_& m);

}  // namespace promethean::python
