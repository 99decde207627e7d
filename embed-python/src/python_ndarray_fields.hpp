// Private: a plain numpy array described from its own fields, without the buffer protocol.
#pragma once

#include <promethean/buffer/dtype.hpp>

#include <Python.h>

namespace promethean::python {

/// For an exact numpy.ndarray of a numeric dtype Promethean has (int8 … uint64, float32,
/// float64) in native byte order: fills `view`'s buf, ndim, shape, strides, itemsize and readonly
/// (pointing into the array, valid while it lives and is not reshaped; no reference taken, no
/// format) and `format`, as PyObject_GetBuffer(obj, PyBUF_RECORDS_RO) would describe it, and
/// returns true. False for anything else (a subclass, bool, float16, complex, structured,
/// big-endian …), which goes through the buffer protocol and its errors. Why: numpy builds a
/// format string and a buffer-info record for every export (~10 % of a py → rust handoff, where
/// the array is adopted anew per call). Needs the GIL and numpy's C API loaded (array::check_).
bool plain_ndarray(PyObject* obj, Py_buffer& view, dtype& format);

}  // namespace promethean::python
