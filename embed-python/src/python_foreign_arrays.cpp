// DLPack exporters and __array_interface__ holders adopted as Buffers (python_foreign_arrays.hpp).
#include "python_foreign_arrays.hpp"

#include "python_state.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/dlpack.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <dlpack/dlpack.h>

#include <charconv>
#include <optional>
#include <unordered_map>

namespace py = pybind11;

namespace promethean::python {
namespace {

[[noreturn]] void type_error(const std::string& message) { throw python_error("TypeError", message); }

/// The qualified name users know the object's type by ("torch.Tensor", "jax.Array").
std::string type_name_of(py::handle obj) {
  const py::handle type = py::type::handle_of(obj);
  const std::string module = py::str(py::getattr(type, "__module__", py::str("")));
  const std::string name = py::str(type.attr("__qualname__"));
  return module.empty() || module == "builtins" ? name : module + "." + name;
}

PyObject* interned(const char* text) {
  PyObject* s = PyUnicode_InternFromString(text);
  if (s == nullptr) throw py::error_already_set();
  return s;  // kept for the interpreter's life, as CPython keeps its own interned names
}

/// obj.<name>, or a null object when there is none (no AttributeError made and caught).
py::object attribute(PyObject* obj, PyObject* name) {
  PyObject* found = nullptr;
  if (_PyObject_LookupAttr(obj, name, &found) < 0) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(found);
}

/// A release that runs `work` under the GIL: now when this thread holds it, else from the py
/// runtime's release queue (a Buffer's last reference may go on a V8 GC thread). Skipped once the
/// interpreter is gone: the objects' memory manager went with it.
release_fn under_gil(std::function<void()> work) {
  return [work = std::move(work)] {
    auto& s = state();
    if (!s.alive.load()) return;
    if (PyGILState_Check() != 0) {
      work();
    } else {
      s.releases.push(work);
    }
  };
}

// ---- DLPack ----

/// DLPack exporters that crossed, and the Buffer each last became, as python_conversion.cpp
/// remembers numpy arrays: while that Buffer lives the same tensor crosses as the same Buffer, so a
/// receiver keeps its view (JS makes no new ArrayBuffer, which V8 would count as new external
/// memory); once it is gone, a new Buffer is made over the same memory without asking the tensor
/// for a managed tensor again. `__dlpack__` (~3 µs in torch: `at::toDLPack` makes an `as_strided`
/// view with autograd metadata) runs once per tensor and layout.
///
/// Only for objects that say where their memory is cheaply, as torch does (`data_ptr()`, `shape`,
/// `stride()`, `dtype`: checked on every crossing, since a tensor can be changed in place,
/// `t.set_(…)`, `t.data = …`, and a change exports it again) and that hand out the storage their
/// memory belongs to (`untyped_storage()`, `_storage()` in torch 1.13). The entry keeps that storage,
/// not the managed tensor: torch's managed tensor is a view whose autograd base is the tensor
/// itself, which would keep the Python tensor alive (torch resurrects it) and the entry with it. A
/// storage refers to no tensor. Like the managed tensor, it keeps the memory alive when the tensor
/// is changed in place (except by a resize of the storage itself, which DLPack consumers do not
/// survive either). An entry lives exactly as long as its object, whose weak reference erases it
/// (an object that takes none is not remembered), so its address cannot be reused while the entry
/// can match. GIL only.
struct adopted_tensor {
  std::uint64_t serial = 0;  ///< the Buffer it last crossed as, alive or not
  PyObject* dtype = nullptr;  ///< compared, never dereferenced: dtypes are the library's long-lived singletons
  PyObject* storage = nullptr;  ///< owned: keeps the memory at `first`
  PyObject* watch = nullptr;  ///< owned: the weak reference whose callback erases this entry
  std::byte* first = nullptr;  ///< the layout it crossed with, as its Buffers have it
  promethean::dtype format = promethean::dtype::uint8;
  shape_t shape;
  strides_t strides;  ///< in bytes
  bool readonly = false;
  nlohmann::json spare;  ///< the handle promethean.call lends (lend_tensor_handle); null while lent
};
std::unordered_map<PyObject*, adopted_tensor>& adopted_tensors() {
  static auto* cache = new std::unordered_map<PyObject*, adopted_tensor>();  // outlives the interpreter
  return *cache;
}

/// The weak reference's callback: the object at address `self` (an int) is being deallocated.
PyObject* forget_tensor(PyObject* self, PyObject* weakref) noexcept {
  auto& cache = adopted_tensors();
  const auto it = cache.find(static_cast<PyObject*>(PyLong_AsVoidPtr(self)));
  if (it != cache.end() && it->second.watch == weakref) {
    PyObject* storage = it->second.storage;
    PyObject* watch = it->second.watch;
    cache.erase(it);
    Py_XDECREF(storage);
    Py_DECREF(watch);  // may free the weak reference during its own callback: WeakValueDictionary does too
  }
  Py_RETURN_NONE;
}
PyMethodDef g_forget_tensor{"forget_tensor", forget_tensor, METH_O, nullptr};

/// A weak reference to obj that erases its cache entry when obj goes; null (no error set) for an
/// object that takes no weak reference.
PyObject* watch(PyObject* obj) {
  PyObject* key = PyLong_FromVoidPtr(obj);
  if (key == nullptr) throw py::error_already_set();
  PyObject* callback = PyCFunction_New(&g_forget_tensor, key);
  Py_DECREF(key);
  if (callback == nullptr) throw py::error_already_set();
  PyObject* ref = PyWeakref_NewRef(obj, callback);
  Py_DECREF(callback);
  if (ref == nullptr) PyErr_Clear();  // TypeError: cannot create weak reference
  return ref;
}

struct layout_probe {
  PyObject* data_ptr;
  PyObject* stride;
  PyObject* shape;
  PyObject* dtype;
  PyObject* untyped_storage;
  PyObject* storage_1_13;
};
const layout_probe& names() {
  static const layout_probe n{interned("data_ptr"), interned("stride"),          interned("shape"),
                              interned("dtype"),    interned("untyped_storage"), interned("_storage")};
  return n;
}

/// The name of the method that gives the storage of obj's memory, or null when obj's type does not
/// describe its layout as torch does (data_ptr(), stride() and a storage).
PyObject* storage_method(PyObject* obj) {
  PyTypeObject* type = Py_TYPE(obj);
  if (_PyType_Lookup(type, names().data_ptr) == nullptr || _PyType_Lookup(type, names().stride) == nullptr) {
    return nullptr;
  }
  if (_PyType_Lookup(type, names().untyped_storage) != nullptr) return names().untyped_storage;
  if (_PyType_Lookup(type, names().storage_1_13) != nullptr) return names().storage_1_13;
  return nullptr;
}

/// obj.<name> (a method: obj.<name>()), found on the type and called through its descriptor as
/// CPython would, without the generic attribute walk: asked four times on every crossing of a
/// tensor, where torch's own getter is about as cheap as that walk. Null on failure.
PyObject* ask(PyObject* obj, PyObject* name, bool method) {
  PyObject* descr = _PyType_Lookup(Py_TYPE(obj), name);  // borrowed; the type keeps it
  if (descr != nullptr && !method && Py_IS_TYPE(descr, &PyGetSetDescr_Type)) {
    const PyGetSetDef* def = reinterpret_cast<PyGetSetDescrObject*>(descr)->d_getset;
    if (def->get != nullptr) return def->get(obj, def->closure);
  }
  if (descr != nullptr && method && Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
    PyObject* self[] = {obj};
    return PyObject_Vectorcall(descr, self, 1, nullptr);
  }
  if (method) return PyObject_CallMethodNoArgs(obj, name);
  return attribute(obj, name).release().ptr();  // null when there is none: not that tensor any more
}

/// Item i of a shape or stride tuple as an int, or nullopt when it is not one.
std::optional<long long> int_at(PyObject* seq, Py_ssize_t i) {
  PyObject* item = PyTuple_Check(seq) ? PyTuple_GET_ITEM(seq, i) : nullptr;  // torch.Size is a tuple
  if (item == nullptr) return std::nullopt;
  const long long v = PyLong_AsLongLong(item);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

/// Whether obj, asked now, describes the memory it crossed with: the same dtype object, address,
/// shape and strides (a dimension of one element or none may differ in stride: DLPack
/// exporters normalise those, and they reach no other element).
bool still_describes(PyObject* obj, const adopted_tensor& entry) {
  const auto asked = [obj](PyObject* name, bool method) {
    return py::reinterpret_steal<py::object>(ask(obj, name, method));
  };
  const py::object dtype = asked(names().dtype, false);
  if (dtype.ptr() != entry.dtype) {
    PyErr_Clear();
    return false;
  }
  const py::object data = asked(names().data_ptr, true);
  const py::object strides = asked(names().stride, true);
  const py::object shape = asked(names().shape, false);
  if (!data || !strides || !shape) {
    PyErr_Clear();
    return false;
  }
  if (PyLong_AsVoidPtr(data.ptr()) != entry.first) {
    PyErr_Clear();
    return false;
  }
  if (!PyTuple_Check(shape.ptr()) || !PyTuple_Check(strides.ptr())) return false;
  const Py_ssize_t ndim = PyTuple_GET_SIZE(shape.ptr());
  if (static_cast<std::size_t>(ndim) != entry.shape.size() || PyTuple_GET_SIZE(strides.ptr()) != ndim) return false;
  const auto itemsize = static_cast<long long>(dtype_size(entry.format));
  for (Py_ssize_t i = 0; i < ndim; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto n = int_at(shape.ptr(), i);
    const auto s = int_at(strides.ptr(), i);
    if (!n || !s || static_cast<std::size_t>(*n) != entry.shape[k]) return false;
    if (*s * itemsize != entry.strides[k] && entry.shape[k] > 1) return false;
  }
  return true;
}

/// The Buffer a tensor became when it last crossed, or a new one over the same memory (holding the
/// object and the storage the entry keeps), if the tensor still describes that memory exactly.
std::optional<buffer> readopt_tensor(PyObject* obj) {
  auto& cache = adopted_tensors();
  const auto it = cache.find(obj);
  if (it == cache.end() || !still_describes(obj, it->second)) return std::nullopt;
  adopted_tensor& entry = it->second;
  if (auto live = ledger::instance().find_serial(entry.serial)) return live;
  PyObject* storage = entry.storage;
  if (storage == nullptr) return std::nullopt;  // it gave none: the live Buffer only
  Py_INCREF(obj);
  Py_INCREF(storage);
  release_fn release = under_gil([obj, storage] {
    Py_DECREF(storage);
    Py_DECREF(obj);
  });
  adopt_options options;
  options.language = "py";
  options.strides = entry.strides;
  options.readonly = entry.readonly;
  buffer again = adopt_strided(entry.first, std::move(release), entry.format, entry.shape, std::move(options));
  entry.serial = again.serial();  // the entry's spare handle stays: renamed on use
  return again;
}

/// Remembers that obj crossed as `b`, keeping the storage of its memory (from `method`).
void remember_tensor(PyObject* obj, PyObject* method, const buffer& b) {
  auto& cache = adopted_tensors();
  auto found = cache.find(obj);
  if (found == cache.end()) {
    PyObject* ref = watch(obj);
    if (ref == nullptr) return;
    found = cache.emplace(obj, adopted_tensor{}).first;
    found->second.watch = ref;
  }
  adopted_tensor& entry = found->second;  // an entry of an older layout keeps its spare handle (renamed on use)
  const py::object dtype = attribute(obj, names().dtype);
  PyObject* storage = PyObject_CallMethodNoArgs(obj, method);
  if (storage == nullptr) PyErr_Clear();  // only the live Buffer is reused then
  Py_XDECREF(entry.storage);  // the older memory, if no Buffer holds it, goes now
  entry.storage = storage;
  entry.serial = b.serial();
  entry.dtype = dtype.ptr();
  entry.first = const_cast<std::byte*>(b.cdata());
  entry.format = b.format();
  entry.shape = b.shape();
  entry.strides = b.strides();
  entry.readonly = b.readonly();
}

/// Why `__dlpack__()` refused (torch: "Bool type is not supported by dlpack"), as a TypeError that
/// names the type and dtype and, for bool, the way out.
[[noreturn]] void refuse_export(py::handle obj, const std::string& what, py::error_already_set& e) {
  const py::object dtype = attribute(obj.ptr(), names().dtype);
  const std::string dtype_text = dtype ? std::string(py::str(dtype)) : std::string();
  // The exception's type and text, not e.what(), which appends a traceback.
  const std::string reason = std::string(py::str(e.type().attr("__name__"))) + ": " + std::string(py::str(e.value()));
  std::string message = "cannot send " + what + (dtype_text.empty() ? "" : " of dtype " + dtype_text) +
                        " across runtimes: its __dlpack__() failed (" + reason + ")";
  if (dtype_text.find("bool") != std::string::npos) {
    message += "; no runtime can view bool (JS and Promethean have no bool element): convert first, e.g. "
               "torch: .to(torch.uint8)";
  }
  type_error(message);
}

buffer adopt_dlpack_object(py::handle obj) {
  PyObject* const storage = storage_method(obj.ptr());
  if (storage != nullptr) {
    if (auto again = readopt_tensor(obj.ptr())) return *again;
  }
  const std::string what = type_name_of(obj);
  static PyObject* const dlpack_name = interned("__dlpack__");
  py::object capsule;
  try {
    // The device is read from the managed tensor, not asked for first with __dlpack_device__(),
    // which costs torch 2 µs; a CUDA tensor is refused below, its deleter run.
    capsule = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(obj.ptr(), dlpack_name));
    if (!capsule) throw py::error_already_set();
  } catch (py::error_already_set& e) {
    refuse_export(obj, what, e);
  }
  if (PyCapsule_IsValid(capsule.ptr(), "dltensor") == 0) {
    PyErr_Clear();
    type_error(what + ".__dlpack__() returned " + std::string(py::str(py::type::handle_of(capsule).attr("__name__"))) +
               ", not an unused PyCapsule named \"dltensor\"");
  }
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), "dltensor"));
  // Consumed, as the protocol says: the capsule's destructor now leaves the tensor to us.
  if (PyCapsule_SetName(capsule.ptr(), "used_dltensor") != 0) throw py::error_already_set();
  PyObject* held = obj.ptr();
  Py_INCREF(held);
  release_fn release = under_gil([managed, held] {
    if (managed->deleter != nullptr) managed->deleter(managed);  // numpy's deleter takes the GIL: held here
    Py_DECREF(held);
  });
  adopt_options options;
  options.language = "py";
  buffer b;
  try {
    b = adopt_dlpack(*managed, std::move(release), options, what);
  } catch (const error& e) {
    throw python_error(e.type(), e.message());  // the release has run (adopt_dlpack's rule)
  }
  if (storage != nullptr) remember_tensor(obj.ptr(), storage, b);
  return b;
}

// ---- __array_interface__ (numpy's version 3) ----

/// The dtype of a typestr ("<f8", "|u1"), or a TypeError naming it and the way out.
dtype format_of_typestr(const std::string& what, const std::string& typestr) {
  auto refuse = [&](const std::string& why) -> dtype {
    type_error("cannot send " + what + " of typestr '" + typestr + "' across runtimes: " + why);
  };
  if (typestr.size() < 3) return refuse("not a typestr of numpy's array interface (byte order, kind, size)");
  const char order = typestr[0];
  const char kind = typestr[1];
  std::size_t size = 0;
  const auto [end, ec] = std::from_chars(typestr.data() + 2, typestr.data() + typestr.size(), size);
  if (ec != std::errc() || end != typestr.data() + typestr.size()) return refuse("its size is not a number");
  if (order == '>') return refuse("it is big-endian and the host is little-endian: convert to '<' first");
  if (order != '<' && order != '|' && order != '=') return refuse("unknown byte order '" + std::string(1, order) + "'");
  if (kind == 'b') return refuse("no runtime can view bool (JS and Promethean have no bool element): convert to uint8");
  if (kind == 'f' && size == 2) {
    return refuse("no runtime can view float16 (JS has no Float16Array in Node 18, Rust no f16): convert to float32");
  }
  if (kind == 'c') return refuse("complex has no Promethean dtype: send the real and imaginary parts interleaved as floats");
  if (kind == 'f' && size == 4) return dtype::float32;
  if (kind == 'f' && size == 8) return dtype::float64;
  if (kind == 'i' || kind == 'u') {
    const bool s = kind == 'i';
    switch (size) {
      case 1: return s ? dtype::int8 : dtype::uint8;
      case 2: return s ? dtype::int16 : dtype::uint16;
      case 4: return s ? dtype::int32 : dtype::uint32;
      case 8: return s ? dtype::int64 : dtype::uint64;
      default: break;
    }
  }
  return refuse("Promethean's dtypes are int8…int64, uint8…uint64, float32 and float64");
}

std::vector<long long> ints_of(const std::string& what, const char* key, py::handle seq) {
  std::vector<long long> out;
  if (!PyTuple_Check(seq.ptr()) && !PyList_Check(seq.ptr())) {
    type_error(what + ".__array_interface__['" + key + "'] is not a tuple of ints");
  }
  for (py::handle item : seq) {
    if (!PyLong_Check(item.ptr())) type_error(what + ".__array_interface__['" + key + "'] is not a tuple of ints");
    out.push_back(item.cast<long long>());
  }
  return out;
}

buffer adopt_array_interface(py::handle obj) {
  const std::string what = type_name_of(obj);
  static PyObject* const name = interned("__array_interface__");
  const py::object iface = attribute(obj.ptr(), name);
  if (!iface || !PyDict_Check(iface.ptr())) type_error(what + ".__array_interface__ is not a dict");
  const py::dict d = py::reinterpret_borrow<py::dict>(iface);
  if (d.contains("mask") && !d["mask"].is_none()) {
    type_error("cannot send " + what + " with a mask across runtimes: fill the masked elements first");
  }
  if (!d.contains("typestr") || !d.contains("shape") || !d.contains("data")) {
    type_error(what + ".__array_interface__ lacks 'typestr', 'shape' or 'data'");
  }
  if (d.contains("descr")) {
    const py::object descr = d["descr"];
    if (py::len(descr) > 1) type_error("cannot send " + what + ", a structured array, across runtimes: send its fields one by one");
  }
  const dtype format = format_of_typestr(what, py::str(d["typestr"]));
  const std::size_t itemsize = dtype_size(format);
  shape_t shape;
  for (long long n : ints_of(what, "shape", d["shape"])) {
    if (n < 0) type_error(what + ".__array_interface__['shape'] has a negative size");
    shape.push_back(static_cast<std::size_t>(n));
  }
  strides_t strides;
  if (d.contains("strides") && !d["strides"].is_none()) {
    for (long long s : ints_of(what, "strides", d["strides"])) strides.push_back(static_cast<std::ptrdiff_t>(s));
    if (strides.size() != shape.size()) type_error(what + ".__array_interface__ has as many strides as dimensions");
  } else {
    strides = c_strides(shape, itemsize);
  }
  const py::object data = d["data"];
  std::byte* first = nullptr;
  bool readonly = false;
  PyObject* held = obj.ptr();
  Py_buffer* view = nullptr;  // when the memory is another object's buffer: released with the Buffer
  if (PyTuple_Check(data.ptr()) && PyTuple_GET_SIZE(data.ptr()) == 2) {
    first = static_cast<std::byte*>(PyLong_AsVoidPtr(PyTuple_GET_ITEM(data.ptr(), 0)));
    if (first == nullptr && PyErr_Occurred()) throw py::error_already_set();
    readonly = PyObject_IsTrue(PyTuple_GET_ITEM(data.ptr(), 1)) == 1;
  } else if (PyObject_CheckBuffer(data.ptr())) {
    view = new Py_buffer;
    if (PyObject_GetBuffer(data.ptr(), view, PyBUF_SIMPLE) != 0) {
      delete view;
      throw py::error_already_set();
    }
    const long long offset = d.contains("offset") ? d["offset"].cast<long long>() : 0;
    if (offset < 0 || offset > view->len) {
      PyBuffer_Release(view);
      delete view;
      type_error(what + ".__array_interface__['offset'] lies outside its data");
    }
    first = static_cast<std::byte*>(view->buf) + offset;
    readonly = view->readonly != 0;
  } else {
    type_error("cannot send " + what + " across runtimes: its __array_interface__['data'] is neither (address, "
               "read-only) nor a buffer-protocol object");
  }
  Py_INCREF(held);
  release_fn release = under_gil([held, view] {
    if (view != nullptr) {
      PyBuffer_Release(view);
      delete view;
    }
    Py_DECREF(held);
  });
  std::size_t elements = 1;
  for (std::size_t n : shape) elements *= n;
  if (first == nullptr && elements != 0) {
    release();
    type_error(what + ".__array_interface__ gives a null address");
  }
  adopt_options options;
  options.language = "py";
  options.strides = std::move(strides);
  options.readonly = readonly;
  return adopt_strided(first, std::move(release), format, std::move(shape), std::move(options));
}

}  // namespace

bool exports_dlpack(PyObject* obj) {
  if (PyType_Check(obj) || PyObject_CheckBuffer(obj)) return false;
  static PyObject* const dlpack = interned("__dlpack__");
  // On the type, as the protocol defines it: no bound method made and dropped on every crossing.
  return _PyType_Lookup(Py_TYPE(obj), dlpack) != nullptr;
}

foreign_array_kind foreign_array_kind_of(PyObject* obj) {
  if (PyType_Check(obj) || PyObject_CheckBuffer(obj)) return foreign_array_kind::none;
  static PyObject* const array_interface = interned("__array_interface__");
  if (exports_dlpack(obj)) return foreign_array_kind::dlpack;
  if (attribute(obj, array_interface)) return foreign_array_kind::array_interface;
  return foreign_array_kind::none;
}

buffer adopt_foreign_array(py::handle obj, foreign_array_kind kind) {
  switch (kind) {
    case foreign_array_kind::dlpack: return adopt_dlpack_object(obj);
    case foreign_array_kind::array_interface: return adopt_array_interface(obj);
    case foreign_array_kind::none: break;
  }
  type_error("cannot adopt " + type_name_of(obj) + ": it exports no memory (no buffer protocol, __dlpack__ or "
             "__array_interface__)");
}

nlohmann::json lend_tensor_handle(PyObject* obj, const buffer& b) {
  auto& cache = adopted_tensors();
  const auto it = cache.find(obj);
  if (it == cache.end() || it->second.serial != b.serial()) return buffer_to_json(b);
  nlohmann::json handle = std::move(it->second.spare);
  it->second.spare = nullptr;
  if (handle.is_null()) return buffer_to_json(b);  // lent already: this call names the tensor twice
  refresh_buffer_handle(handle, b);
  return handle;
}

void give_back_tensor_handle(PyObject* obj, nlohmann::json&& handle) noexcept {
  auto& cache = adopted_tensors();
  const auto it = cache.find(obj);  // gone if swept meanwhile: the handle is dropped
  if (it != cache.end() && it->second.spare.is_null()) it->second.spare = std::move(handle);
}

}  // namespace promethean::python
