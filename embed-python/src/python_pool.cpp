// promethean.pool: n instances of a runtime in processes of their own, as one (python_pool.hpp).
//
// Written in Python (py/pool.py) over the module's own eval/call/call_async: a pool is only a set of instance
// names (`py@pool.0` … `py@pool.3`) and a way to spread calls over them; each call crosses as any
// call to an instance does (buffers by shared memory). Calls wait without the GIL, so the threads
// of `map` keep every instance busy at once.
#include "python_pool.hpp"

#include "python_frozen_code.hpp"

namespace py = pybind11;

namespace promethean::python {

void define_pool_api(py::module_& m) {
  // Made with the module, from the code compiled at build time: running it (a class and a
  // function, no imports) costs 0.16 M instructions, 0.3% of a `promethean run hello.py` (48.07
  // against 47.91 M). Made on first use instead, through a module __getattr__ (PEP 562), it cost
  // every `promethean.<name>` more: CPython 3.11 does not specialise an attribute load on a module
  // that has a __getattr__, so each `promethean.call(...)` looked `call` up the generic way (a
  // py → js call at a script's top level: 5,651 instructions then, 5,331 now).
  run_frozen_code("pool", m.attr("__dict__"));
}

}  // namespace promethean::python
