// A plain numpy array described from its own fields (python_ndarray_fields.hpp).
#include "python_ndarray_fields.hpp"

#include <pybind11/numpy.h>

namespace promethean::python {

namespace {
/// numpy's type numbers of the dtypes Promethean has, with their item size. NPY_LONG is 8 bytes
/// on LP64 Linux (the host), as PEP 3118's 'l' with itemsize 8 maps to int64 in dtype_of_format.
bool dtype_of_type_num(int type_num, int itemsize, dtype& out) noexcept {
  using api = pybind11::detail::npy_api;
  const bool is_signed = type_num == api::NPY_BYTE_ || type_num == api::NPY_SHORT_ || type_num == api::NPY_INT_ ||
                         type_num == api::NPY_LONG_ || type_num == api::NPY_LONGLONG_;
  const bool is_unsigned = type_num == api::NPY_UBYTE_ || type_num == api::NPY_USHORT_ || type_num == api::NPY_UINT_ ||
                           type_num == api::NPY_ULONG_ || type_num == api::NPY_ULONGLONG_;
  if (type_num == api::NPY_FLOAT_ && itemsize == 4) {
    out = dtype::float32;
  } else if (type_num == api::NPY_DOUBLE_ && itemsize == 8) {
    out = dtype::float64;
  } else if (is_signed || is_unsigned) {
    switch (itemsize) {
      case 1: out = is_signed ? dtype::int8 : dtype::uint8; break;
      case 2: out = is_signed ? dtype::int16 : dtype::uint16; break;
      case 4: out = is_signed ? dtype::int32 : dtype::uint32; break;
      case 8: out = is_signed ? dtype::int64 : dtype::uint64; break;
      default: return false;
    }
  } else {
    return false;
  }
  return true;
}
}  // namespace

bool plain_ndarray(PyObject* obj, Py_buffer& view, dtype& format) {
  auto& api = pybind11::detail::npy_api::get();
  if (Py_TYPE(obj) != api.PyArray_Type_) return false;
  const auto* a = pybind11::detail::array_proxy(obj);
  const auto* d = pybind11::detail::array_descriptor_proxy(a->descr);
  // '=' native, '<' little-endian (the host), '|' not applicable (one byte); '>' goes the long way.
  if (d->byteorder != '=' && d->byteorder != '<' && d->byteorder != '|') return false;
  if (d->subarray != nullptr || !dtype_of_type_num(d->type_num, d->elsize, format)) return false;
  view = Py_buffer{};
  view.buf = a->data;
  view.ndim = a->nd;
  view.shape = a->dimensions;
  view.strides = a->strides;
  view.itemsize = d->elsize;
  view.readonly = (a->flags & pybind11::detail::npy_api::NPY_ARRAY_WRITEABLE_) == 0 ? 1 : 0;
  return true;
}

}  // namespace promethean::python
