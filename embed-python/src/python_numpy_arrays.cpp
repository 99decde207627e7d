// Host Buffers as numpy arrays without a copy, and back (python_numpy_arrays.hpp).
#include "python_numpy_arrays.hpp"

#include <promethean/buffer/ledger.hpp>

#include <pybind11/numpy.h>

#include <array>
#include <string>
#include <vector>

namespace py = pybind11;

namespace promethean::python {

namespace {
constexpr const char* k_capsule_name = "promethean.buffer";
}  // namespace

std::optional<buffer> exported_buffer(py::handle obj, const Py_buffer& view) {
  py::object owner;
  if (py::array::check_(obj)) {
    // An ndarray's base straight from the struct: `.base` by name makes a str and looks it up.
    owner = py::reinterpret_borrow<py::object>(py::detail::array_proxy(obj.ptr())->base);
    if (!owner) return std::nullopt;
  } else {
    PyObject* base = PyObject_GetAttrString(obj.ptr(), "base");
    if (base == nullptr) {
      PyErr_Clear();
      return std::nullopt;
    }
    owner = py::reinterpret_steal<py::object>(base);
  }
  if (PyCapsule_IsValid(owner.ptr(), k_capsule_name) == 0) return std::nullopt;
  auto* ref = static_cast<export_ref*>(PyCapsule_GetPointer(owner.ptr(), k_capsule_name));
  const buffer& b = ref->get();
  if (view.buf != b.cdata() || static_cast<std::size_t>(view.ndim) != b.ndim()) return std::nullopt;
  for (int i = 0; i < view.ndim; ++i) {
    if (static_cast<std::size_t>(view.shape[i]) != b.shape()[i] || (view.strides && view.strides[i] != b.strides()[i])) {
      return std::nullopt;
    }
  }
  return view.readonly && !b.readonly() ? b.as_readonly() : b;
}

namespace {
/// The numpy dtype object of a format, made once: parsing a dtype from its name costs more than
/// the rest of a handoff. Kept for the interpreter's life (CPython starts once per process).
py::handle numpy_dtype(dtype format) {
  static std::array<PyObject*, 10> cache{};
  PyObject*& slot = cache.at(static_cast<std::size_t>(format));
  if (slot == nullptr) slot = py::dtype(std::string(dtype_name(format))).release().ptr();
  return slot;
}
}  // namespace

py::object to_numpy(const buffer& b) {
  static view_count& py_views = ledger::instance().views_of("py");
  auto* ref = new export_ref(b, py_views);
  py::object owner = py::reinterpret_steal<py::object>(PyCapsule_New(ref, k_capsule_name, [](PyObject* capsule) {
    delete static_cast<export_ref*>(PyCapsule_GetPointer(capsule, k_capsule_name));
  }));
  if (!owner) {
    delete ref;
    throw py::error_already_set();
  }
  // numpy's own constructor, as py::array calls it, but with the shape and strides on the stack:
  // py::array takes them as vectors, and copies them into vectors of its own (four allocations
  // per handoff, a tenth of it). A buffer's strides are always given, in bytes, one per dimension.
  const std::size_t ndim = b.ndim();
  constexpr std::size_t k_stack_dims = 32;  // numpy's NPY_MAXDIMS; more is numpy's error, below
  std::array<Py_intptr_t, 2 * k_stack_dims> stack_dims;
  std::vector<Py_intptr_t> heap_dims;
  Py_intptr_t* dims = stack_dims.data();
  if (ndim > k_stack_dims) {
    heap_dims.resize(2 * ndim);
    dims = heap_dims.data();
  }
  for (std::size_t i = 0; i < ndim; ++i) {
    dims[i] = static_cast<Py_intptr_t>(b.shape()[i]);
    dims[ndim + i] = static_cast<Py_intptr_t>(b.strides()[i]);
  }
  auto& api = py::detail::npy_api::get();
  PyObject* descr = numpy_dtype(b.format()).ptr();
  Py_INCREF(descr);  // PyArray_NewFromDescr steals it
  // Writeable unless the buffer is read-only (pybind11 too makes arrays over foreign memory
  // writeable); numpy works out the contiguity flags itself.
  const int flags = b.readonly() ? 0 : py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  auto array = py::reinterpret_steal<py::object>(api.PyArray_NewFromDescr_(
      api.PyArray_Type_, descr, static_cast<int>(ndim), dims, dims + ndim, const_cast<std::byte*>(b.cdata()), flags,
      nullptr));
  if (!array) throw py::error_already_set();
  // The capsule becomes the array's base (stolen, also on failure): the buffer lives as long as it.
  // Without memory (an empty buffer may have none) numpy made its own, as with py::array: no base.
  if (b.cdata() != nullptr && api.PyArray_SetBaseObject_(array.ptr(), owner.release().ptr()) != 0) {
    throw py::error_already_set();
  }
  return array;
}

}  // namespace promethean::python
