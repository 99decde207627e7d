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

/// DLPack exporters that crossed and the Buffer each became, as python_conversion.cpp remembers
/// numpy arrays: while that Buffer lives the same tensor crosses as the same Buffer, so a receiver
/// keeps its view (JS makes no new ArrayBuffer, which V8 would count as new external memory), and
/// no managed tensor is made per call (torch's __dlpack_device__ and __dlpack__ cost ~3 µs). Only
/// for objects that say where their memory is cheaply (torch: data_ptr(), shape, stride(), dtype),
/// checked on every reuse since a tensor can be changed in place (`t.set_(…)`, `t.data = …`). The
/// Buffer holds the object, so its address is not reused while the entry can match. GIL only.
struct adopted_tensor {
  std::uint64_t serial;
  PyObject* dtype;  // compared, never dereferenced: dtypes are the library's long-lived singletons
  nlohmann::json spare;  // the handle promethean.call lends (lend_tensor_handle); null while lent
};
std::unordered_map<PyObject*, adopted_tensor>& adopted_tensors() {
  static auto* cache = new std::unordered_map<PyObject*, adopted_tensor>();  // outlives the interpreter
  return *cache;
}

struct layout_probe {
  PyObject* data_ptr;
  PyObject* stride;
  PyObject* shape;
  PyObject* dtype;
};
const layout_probe& names() {
  static const layout_probe n{interned("data_ptr"), interned("stride"), interned("shape"), interned("dtype")};
  return n;
}

/// Whether objects of obj's type describe their layout as torch does (data_ptr() and stride()).
bool probes_layout(PyObject* obj) {
  PyTypeObject* type = Py_TYPE(obj);
  return _PyType_Lookup(type, names().data_ptr) != nullptr && _PyType_Lookup(type, names().stride) != nullptr;
}

/// An int of a shape or stride sequence, or nullopt when it is not one.
std::optional<long long> int_at(PyObject* seq, Py_ssize_t i) {
  PyObject* item = PySequence_GetItem(seq, i);
  if (item == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  const long long v = PyLong_AsLongLong(item);
  Py_DECREF(item);
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

/// The live Buffer a tensor became when it last crossed, if the tensor still describes it exactly.
std::optional<buffer> readopt_tensor(PyObject* obj) {
  auto& cache = adopted_tensors();
  const auto it = cache.find(obj);
  if (it == cache.end()) return std::nullopt;
  auto live = ledger::instance().find_serial(it->second.serial);
  if (!live) return std::nullopt;
  const py::object dtype = attribute(obj, names().dtype);
  if (dtype.ptr() != it->second.dtype) return std::nullopt;
  const py::object data = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(obj, names().data_ptr));
  const py::object strides = py::reinterpret_steal<py::object>(PyObject_CallMethodNoArgs(obj, names().stride));
  const py::object shape = attribute(obj, names().shape);
  if (!data || !strides || !shape) {
    PyErr_Clear();
    return std::nullopt;
  }
  if (PyLong_AsVoidPtr(data.ptr()) != live->cdata()) {
    PyErr_Clear();
    return std::nullopt;
  }
  const Py_ssize_t ndim = PySequence_Size(shape.ptr());
  if (ndim < 0 || static_cast<std::size_t>(ndim) != live->ndim() || PySequence_Size(strides.ptr()) != ndim) {
    PyErr_Clear();
    return std::nullopt;
  }
  const auto itemsize = static_cast<long long>(live->itemsize());
  for (Py_ssize_t i = 0; i < ndim; ++i) {
    const auto n = int_at(shape.ptr(), i);
    const auto s = int_at(strides.ptr(), i);
    if (!n || !s || static_cast<std::size_t>(*n) != live->shape()[static_cast<std::size_t>(i)] ||
        *s * itemsize != live->strides()[static_cast<std::size_t>(i)]) {
      return std::nullopt;
    }
  }
  return live;
}

void remember_tensor(PyObject* obj, const buffer& b) {
  auto& cache = adopted_tensors();
  const py::object dtype = attribute(obj, names().dtype);
  adopted_tensor& entry = cache[obj];  // an entry found dead keeps its spare handle (renamed on use)
  entry.serial = b.serial();
  entry.dtype = dtype.ptr();
  static std::size_t swept_at = 64;
  if (cache.size() < 2 * swept_at) return;
  for (auto it = cache.begin(); it != cache.end();) {  // amortised sweep of entries whose Buffer is gone
    it = ledger::instance().find_serial(it->second.serial) ? std::next(it) : cache.erase(it);
  }
  swept_at = std::max<std::size_t>(64, cache.size());
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
  const bool cacheable = probes_layout(obj.ptr());
  if (cacheable) {
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
  if (cacheable) remember_tensor(obj.ptr(), b);
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

foreign_array_kind foreign_array_kind_of(PyObject* obj) {
  if (PyType_Check(obj) || PyObject_CheckBuffer(obj)) return foreign_array_kind::none;
  static PyObject* const dlpack = interned("__dlpack__");
  static PyObject* const array_interface = interned("__array_interface__");
  // On the type, as the protocol defines it: no bound method made and dropped on every crossing.
  if (_PyType_Lookup(Py_TYPE(obj), dlpack) != nullptr) return foreign_array_kind::dlpack;
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
