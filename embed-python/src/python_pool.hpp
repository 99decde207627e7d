// promethean.pool: n instances of a runtime in processes of their own, as one (docs/PROCESSES.md).
#pragma once

#include <pybind11/pybind11.h>

namespace promethean::python {

/// Adds `pool` and `Pool` to the promethean module, made on first use: the module's __getattr__
/// (PEP 562) runs their Python code when one is first asked for, and its __dir__ lists them.
/// Compiling that code at every start cost ~5 million instructions (1.5 ms) of a
/// `promethean run hello.py` that never made a pool.
void define_pool_api(pybind11::module_& m);

}  // namespace promethean::python
