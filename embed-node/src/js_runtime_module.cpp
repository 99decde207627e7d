// The js runtime as a module of its own (promethean_js.so): libpromethean loads it, and with it
// libnode, only when a Host first starts js.
#include <promethean/host/runtime_module.hpp>
#include <promethean/js/js_runtime.hpp>

PROMETHEAN_RUNTIME_MODULE(js, promethean::make_js_runtime)
