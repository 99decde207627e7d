// The py runtime as a module of its own (promethean_py.so): libpromethean loads it, and with it
// libpython, only when a Host first starts py.
#include <promethean/host/runtime_module.hpp>
#include <promethean/python/python_runtime.hpp>

PROMETHEAN_RUNTIME_MODULE(py, promethean::make_python_runtime)
