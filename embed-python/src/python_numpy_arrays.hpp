// Private: host Buffers as numpy arrays without a copy: to_numpy() makes an array over a Buffer's
// memory whose base is a capsule holding a reference to the Buffer (an export_ref), and
// exported_buffer() finds that Buffer again when such an array crosses back, so that it crosses
// as the same Buffer, not a new one over the same memory.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <pybind11/pybind11.h>

#include <optional>

namespace promethean::python {

/// A numpy array over the buffer's memory, holding one reference to it (an export_ref).
pybind11::object to_numpy(const buffer& b);

/// The host buffer a numpy array made by to_numpy() is a view of, when `view` describes exactly
/// it (read-only if the view is). GIL held.
std::optional<buffer> exported_buffer(pybind11::handle obj, const Py_buffer& view);

}  // namespace promethean::python
