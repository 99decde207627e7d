// Private: arrays that do not speak the buffer protocol but cross without a copy all the same.
// A DLPack exporter (`__dlpack__`: torch.Tensor, JAX and CuPy arrays on the CPU) or an object with
// `__array_interface__` (older libraries, ctypes wrappers) is adopted as a Buffer over its own
// memory, holding the object (and DLPack's managed tensor) until the Buffer's last reference goes.
// Every function here needs the GIL.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <nlohmann/json.hpp>
#include <pybind11/pybind11.h>

namespace promethean::python {

/// How an object without the buffer protocol exports its memory.
enum class foreign_array_kind { none, dlpack, array_interface };

/// The way `obj` exports its memory: none for classes (torch.Tensor itself has a `__dlpack__`),
/// for objects with neither attribute, and for buffer-protocol objects, which adopt() takes first.
foreign_array_kind foreign_array_kind_of(PyObject* obj);

/// Whether `obj` is a DLPack exporter that adopt() takes by DLPack: foreign_array_kind_of() ==
/// dlpack, asked of the type alone (no attribute lookup on the object: cheap for any argument).
bool exports_dlpack(PyObject* obj);

/// `obj` (of a kind other than none) as a Buffer over its memory, no copy. A device the CPU cannot
/// address, a dtype no runtime can view (bool, float16, complex, …), a mask or a big-endian layout
/// is a TypeError naming it and the way out.
buffer adopt_foreign_array(pybind11::handle obj, foreign_array_kind kind);

/// For promethean.call's argument message (arguments_to_message): the Buffer handle the cache
/// entry of a tensor that just crossed as `b` keeps, renamed for b (refresh_buffer_handle), or
/// null when there is none (not cached, lent already: the same tensor twice in one call). Building
/// a handle is a JSON object of a dozen members made and freed per call; lending one is not.
nlohmann::json lend_tensor_handle(PyObject* obj, const buffer& b);
/// The handle lent for `obj` back to its cache entry, when the call is over.
void give_back_tensor_handle(PyObject* obj, nlohmann::json&& handle) noexcept;

}  // namespace promethean::python
