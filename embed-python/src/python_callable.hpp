// Private: a Python function resolved once, for host.resolve("py", name).
//
// The function object is looked up when resolved (a later rebinding of the name is not seen, as
// with a function kept in a variable) and held by the callable; calls take typed arguments
// straight to Python objects, with no JSON in between. The callable may be dropped on any thread:
// its reference is given back under the GIL (at once when the thread holds it, else through the
// release queue), and not at all once the interpreter is gone (its memory went with it).
#pragma once

#include <promethean/host/callable.hpp>

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace promethean::python {

/// `fn` must be callable; the GIL is held.
std::shared_ptr<const callable_target> make_python_callable(pybind11::object fn, std::string name);

}  // namespace promethean::python
