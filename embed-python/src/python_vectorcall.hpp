// Private: a Python callable called from the host with arguments converted one by one, straight
// to a vectorcall: no argument list, no tuple, no pybind11 call machinery, and no heap allocation
// for up to eight arguments. Shared by the by-name call and a callable resolved once.
#pragma once

#include "python_conversion.hpp"
#include "python_keyword_arguments.hpp"

#include <pybind11/pybind11.h>

#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

namespace promethean::python {

/// Calls `fn` with n arguments, argument i being convert(i) (a new reference as a py::object),
/// and returns the result; a last argument that is a promethean.kw gives keyword arguments. Converts the arguments in order, 0 to n-1 (a message::cursor taking
/// their buffers relies on it). The GIL is held; Python errors propagate as error_already_set.
template <class Convert>
[[gnu::always_inline]] inline pybind11::object vectorcall_object(PyObject* fn, std::size_t n, Convert&& convert) {
  // Nothing zeroed and nothing allocated for up to eight arguments: only the `converted` first
  // slots are ever read (the frame is on the hottest path; its set-up was a tenth of a call).
  PyObject* small[8];
  std::unique_ptr<PyObject*[]> large;
  PyObject** argv = small;
  if (n > std::size(small)) {
    large.reset(new PyObject*[n]);
    argv = large.get();
  }
  struct drop_arguments {  // the new references in argv, also when a conversion throws
    PyObject** argv;
    std::size_t converted = 0;
    ~drop_arguments() {
      for (std::size_t i = 0; i < converted; ++i) Py_XDECREF(argv[i]);
    }
  } drop{argv};
  for (; drop.converted < n; ++drop.converted) argv[drop.converted] = convert(drop.converted).release().ptr();
  if (n > 0 && is_keyword_arguments(argv[n - 1])) return call_with_keyword_arguments(fn, argv, n);
  auto result = pybind11::reinterpret_steal<pybind11::object>(PyObject_Vectorcall(fn, argv, n, nullptr));
  if (!result) throw pybind11::error_already_set();
  return result;
}

/// vectorcall_object, its result as a message.
template <class Convert>
[[gnu::always_inline]] inline message vectorcall_message(PyObject* fn, std::size_t n, Convert&& convert) {
  pybind11::object result = vectorcall_object(fn, n, std::forward<Convert>(convert));
  // The commonest result, an int that fits in 64 bits, here (to_message gives the same, a call later).
  if (PyLong_CheckExact(result.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(result.ptr(), &overflow);
    if (overflow == 0) return message(message::in_walk_order, nlohmann::json(v));
  }
  return to_message(result);
}

}  // namespace promethean::python
