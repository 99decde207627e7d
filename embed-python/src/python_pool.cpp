// promethean.pool: n instances of a runtime in processes of their own, as one (python_pool.hpp).
//
// Written in Python (py/pool.py) over the module's own eval/call/call_async: a pool is only a set of instance
// names (`py@pool.0` … `py@pool.3`) and a way to spread calls over them; each call crosses as any
// call to an instance does (buffers by shared memory). Calls wait without the GIL, so the threads
// of `map` keep every instance busy at once.
#include "python_pool.hpp"

#include "python_frozen_code.hpp"

#include <string>

namespace py = pybind11;

namespace promethean::python {

namespace {

constexpr const char* k_made_on_first_use[] = {"Pool", "pool"};

}  // namespace

void define_pool_api(py::module_& m) {
  py::handle globals = m.attr("__dict__");  // the module's: it lives as long as the process
  m.def(
      "__getattr__",
      [globals](const py::str& name) -> py::object {
        for (const char* made : k_made_on_first_use) {
          if (name.equal(py::str(made))) {
            if (!PyDict_Contains(globals.ptr(), name.ptr())) run_frozen_code("pool", py::reinterpret_borrow<py::dict>(globals));
            return globals[name];
          }
        }
        throw py::attribute_error("module 'promethean' has no attribute '" + std::string(name) + "'");
      },
      py::arg("name"));
  m.def("__dir__", [globals]() {
    py::list names = py::reinterpret_borrow<py::dict>(globals).attr("keys")();
    for (const char* made : k_made_on_first_use) {
      if (!PyDict_Contains(globals.ptr(), py::str(made).ptr())) names.append(made);
    }
    return names;
  });
}

}  // namespace promethean::python
