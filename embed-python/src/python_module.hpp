// Private: the `promethean` Python module (python_module.cpp), which both ways in share: built in
// when the host starts its own Python, the extension promethean._native in the hosted mode.
#pragma once

#include <promethean/host/runtime.hpp>

#include <pybind11/pybind11.h>

#include <exception>
#include <new>

namespace promethean::python {

/// `timeout=` (seconds, None for none) of promethean.`function` as call options; TypeError or
/// ValueError for anything else.
call_options timeout_options(pybind11::handle timeout, const char* function);

/// Makes the module object (named `promethean`); the caller holds the GIL. Throws
/// pybind11::error_already_set or the error family.
PyObject* make_module();

/// Runs a module init for CPython's import machinery (a C caller): every C++ exception becomes
/// the Python exception of a failed import ("cannot <doing>: …"), nothing unwinds into the
/// interpreter. Returns the module, or nullptr with the exception set.
template <class F>
PyObject* module_init(const char* doing, F&& init) noexcept {
  try {
    return init();
  } catch (pybind11::error_already_set& e) {
    e.restore();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_Format(PyExc_ImportError, "cannot %s: %s", doing, e.what());
  } catch (...) {
    PyErr_Format(PyExc_ImportError, "cannot %s: unknown C++ exception", doing);
  }
  return nullptr;
}

}  // namespace promethean::python
