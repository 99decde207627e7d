// Python objects ↔ messages, with zero-copy buffers in both directions.
#include "python_conversion.hpp"

#include "python_awaitables.hpp"
#include "python_coroutines.hpp"

#include "python_errors.hpp"
#include "python_foreign_arrays.hpp"
#include "python_foreign_function.hpp"
#include "python_keyword_arguments.hpp"
#include "python_ndarray_fields.hpp"
#include "python_numpy_arrays.hpp"
#include "python_state.hpp"
#include "without_gil.hpp"

#include <promethean/article.hpp>
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/keyword_arguments.hpp>
#include <promethean/host/pending_handle.hpp>

#include <pybind11/numpy.h>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <cmath>
#include <optional>
#include <memory>

namespace py = pybind11;

namespace promethean::python {
namespace {
constexpr int k_max_depth = 256;

std::string type_name(py::handle o) { return py::str(py::type::handle_of(o).attr("__qualname__")).cast<std::string>(); }

[[noreturn]] void type_error(const std::string& message) { throw python_error("TypeError", message); }

/// PEP 3118 format → dtype. Native or little-endian only (the host is little-endian).
dtype dtype_of_format(const char* format, Py_ssize_t itemsize, py::handle owner) {
  std::string f = format ? format : "B";
  if (!f.empty() && (f[0] == '@' || f[0] == '=' || f[0] == '<')) f.erase(0, 1);
  // The refusals name the way out, as the README promises.
  if (!f.empty() && (f[0] == '>' || f[0] == '!')) {
    type_error("buffer of " + type_name(owner) + " has big-endian format '" + f +
               "', and the host is little-endian: convert, e.g. with .astype(a.dtype.newbyteorder('<'))");
  }
  if (f.size() == 2 && f[0] == 'Z') {
    const std::string hint = itemsize == 16  ? ".view('float64') for complex128"
                             : itemsize == 8 ? ".view('float32') for complex64"
                                             : ".astype('complex128').view('float64')";
    type_error("buffer of " + type_name(owner) + " has complex format '" + f +
               "', which has no Promethean dtype: send the real and imaginary parts, interleaved, e.g. with " + hint +
               " (no copy), or .real and .imag apart");
  }
  if (f.size() != 1) {
    type_error("buffer of " + type_name(owner) + " has format '" + f +
               "', which has no Promethean dtype (a structured array's fields go one by one, e.g. a['x'])");
  }
  const char c = f[0];
  const bool is_signed = c == 'b' || c == 'h' || c == 'i' || c == 'l' || c == 'q';
  const bool is_unsigned = c == 'B' || c == 'H' || c == 'I' || c == 'L' || c == 'Q';
  if (c == 'f' && itemsize == 4) return dtype::float32;
  if (c == 'd' && itemsize == 8) return dtype::float64;
  if (is_signed || is_unsigned) {
    switch (itemsize) {
      case 1: return is_signed ? dtype::int8 : dtype::uint8;
      case 2: return is_signed ? dtype::int16 : dtype::uint16;
      case 4: return is_signed ? dtype::int32 : dtype::uint32;
      case 8: return is_signed ? dtype::int64 : dtype::uint64;
      default: break;
    }
  }
  type_error("buffer of " + type_name(owner) + " has format '" + f +
             "' (bool, float16, complex and structured arrays have no Promethean dtype; convert, e.g. "
             "with .astype('uint8'))");
}

void convert(py::handle o, nlohmann::json& out, std::vector<buffer>& buffers, std::vector<function_ref>& functions,
             int depth);

void convert_dict(py::handle o, nlohmann::json& out, std::vector<buffer>& buffers, std::vector<function_ref>& functions,
                  int depth);

void convert_sequence(py::handle seq, nlohmann::json& out, std::vector<buffer>& buffers,
                      std::vector<function_ref>& functions, int depth) {
  out = nlohmann::json::array();
  for (py::handle item : seq) {
    nlohmann::json v;
    convert(item, v, buffers, functions, depth + 1);
    out.push_back(std::move(v));
  }
}

/// A dict's members are converted in key order, the order the JSON object keeps them in and
/// receivers walk them in, so that buffers and functions are collected in walk order (message.hpp).
/// A dict that is a handle (`{"_type": "Buffer", "buffer_id": …}`, made by hand or by
/// buffer_info) names a live buffer or function, resolved here as message(json) resolves one.
void convert_dict(py::handle o, nlohmann::json& out, std::vector<buffer>& buffers, std::vector<function_ref>& functions,
                  int depth) {
  std::vector<std::pair<std::string, py::object>> items;
  items.reserve(static_cast<std::size_t>(PyDict_GET_SIZE(o.ptr())));
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(o)) {
    if (!PyUnicode_Check(key.ptr())) {
      type_error("dict key " + py::repr(key).cast<std::string>() + " of type " + type_name(key) +
                 " cannot cross as JSON: keys must be str");
    }
    items.emplace_back(std::string(utf8_view(key.ptr())), py::reinterpret_borrow<py::object>(value));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t buffers_before = buffers.size();
  const std::size_t functions_before = functions.size();
  out = nlohmann::json::object();
  for (auto& [key, value] : items) convert(value, out[std::move(key)], buffers, functions, depth + 1);
  if (is_buffer_handle(out) || function_handle::is_handle(out)) {
    buffers.erase(buffers.begin() + static_cast<std::ptrdiff_t>(buffers_before), buffers.end());
    functions.erase(functions.begin() + static_cast<std::ptrdiff_t>(functions_before), functions.end());
    message::resolve_handle(out, buffers, functions);
  }
}

py::handle numpy_generic() {
  static py::handle generic = [] {
    try {
      return py::object(py::module_::import("numpy").attr("generic")).release();  // kept for the interpreter's life
    } catch (py::error_already_set&) {
      return py::handle();
    }
  }();
  return generic;
}

void convert(py::handle o, nlohmann::json& out, std::vector<buffer>& buffers, std::vector<function_ref>& functions,
             int depth) {
  if (depth > k_max_depth) type_error("value nested deeper than " + std::to_string(k_max_depth) + " levels (a cycle?)");
  PyObject* p = o.ptr();
  if (p == Py_None) {
    out = nullptr;
  } else if (PyBool_Check(p)) {
    out = p == Py_True;
  } else if (PyLong_Check(p)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow == 0) {
      out = v;
    } else {
      const unsigned long long u = PyLong_AsUnsignedLongLong(p);
      if (PyErr_Occurred()) {
        PyErr_Clear();
        type_error("int " + py::str(o).cast<std::string>() +
                   " does not fit in 64 bits; JSON messages carry int64 or uint64 (send it as a str)");
      }
      out = u;
    }
  } else if (PyFloat_Check(p)) {
    const double v = PyFloat_AS_DOUBLE(p);
    if (!std::isfinite(v)) {
      type_error("float " + py::str(o).cast<std::string>() +
                 " has no JSON spelling; send non-finite values inside a buffer");
    }
    out = v;
  } else if (PyUnicode_Check(p)) {
    out = std::string(utf8_view(p));
  } else if (PyDict_Check(p)) {
    if (is_keyword_arguments(p)) {  // promethean.kw: the marker, its items as its values
      out = keyword_arguments::marker(nlohmann::json::object());
      convert_dict(o, out["values"], buffers, functions, depth + 1);
      return;
    }
    convert_dict(o, out, buffers, functions, depth);
  } else if (PyList_Check(p) || PyTuple_Check(p)) {
    convert_sequence(o, out, buffers, functions, depth);
  } else if (numpy_generic() && PyObject_IsInstance(p, numpy_generic().ptr()) == 1) {
    convert(o.attr("item")(), out, buffers, functions, depth + 1);  // a numpy scalar: its Python value
  } else if (PyObject_CheckBuffer(p)) {
    buffer b = adopt(o);
    out = buffer_to_json(b);
    buffers.push_back(std::move(b));
  } else if (const auto kind = foreign_array_kind_of(p); kind != foreign_array_kind::none) {
    buffer b = adopt_foreign_array(o, kind);  // a torch.Tensor, an __array_interface__ holder
    out = buffer_to_json(b);
    buffers.push_back(std::move(b));
  } else if (PyCallable_Check(p)) {
    // A Python callable crosses as a Function handle; the table entry keeps it alive until the
    // last reference to the handle is gone. Removing it needs the GIL, so the release queues.
    auto id = std::make_shared<std::string>();
    auto f = function_handle::create("py", py::str(py::getattr(o, "__qualname__", py::str(type_name(o)))).cast<std::string>(),
                                     [id] {
                                       auto& s = state();
                                       if (!s.alive.load()) return;
                                       s.releases.push([id] { state().callables.erase(*id); });
                                     });
    *id = f->id();
    state().callables[*id] = py::reinterpret_borrow<py::object>(o);
    out = f->to_json();
    functions.push_back(std::move(f));
  } else if (is_awaitable(o)) {
    // A coroutine (an async def called through a blocking call): it runs on an asyncio loop, and
    // the receiver gets its own awaitable of the result (a JS Promise).
    const std::string name = "py " + type_name(o);
    out = pending_handle::hold(run_awaitable(py::reinterpret_borrow<py::object>(o), name), "py", name);
  } else {
    type_error("cannot send " + with_article(type_name(o)) + " across runtimes: expected None, bool, int, float, str, list, "
               "tuple, dict, a buffer (numpy array, bytes, memoryview, an object with __dlpack__ or __array_interface__ "
               "such as a torch.Tensor), a callable or a coroutine");
  }
}

py::object from_json(const nlohmann::json& j, message::cursor& at);

/// What a Python proxy of another runtime's function holds: the function handle.
struct foreign_proxy {
  function_ref f;
};

/// A proxy's call (a promethean.ForeignFunction's, python_foreign_function.hpp) with `self` the
/// capsule of its foreign_proxy: it
/// reads the arguments CPython passes, and owns no Python reference while it waits for the other
/// runtime (see python_module.cpp's route() for why that matters at exit).
PyObject* call_foreign(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  auto* proxy = static_cast<foreign_proxy*>(PyCapsule_GetPointer(self, "promethean.foreign_proxy"));
  if (proxy == nullptr) return nullptr;
  try {
    const message call_args = arguments_to_message(args, static_cast<std::size_t>(nargs));
    host* h = state().owner;
    if (h == nullptr) throw usage_error("promethean has shut down: no runtime can be called any more", "py");
    const message result = without_gil([&] { return h->call(proxy->f->runtime(), proxy->f->id(), call_args); });
    return from_message(result).release().ptr();
  } catch (...) {
    return python_error_from_current_exception();
  }
}

py::object foreign_callable(const function_ref& f) {
  auto proxy = std::make_unique<foreign_proxy>();
  proxy->f = f;
  auto capsule = py::reinterpret_steal<py::object>(PyCapsule_New(proxy.get(), "promethean.foreign_proxy", [](PyObject* c) {
    delete static_cast<foreign_proxy*>(PyCapsule_GetPointer(c, "promethean.foreign_proxy"));
  }));
  if (!capsule) throw py::error_already_set();
  proxy.release();  // the capsule owns it now
  // Named in its repr (`<promethean js function hello>`); an anonymous function as JS says it.
  const std::string name = f->name().empty() ? "anonymous" : f->name();
  auto fn = py::reinterpret_steal<py::object>(make_foreign_function(capsule.ptr(), &call_foreign, f->runtime(), name));
  if (!fn) throw py::error_already_set();
  return fn;
}

py::object from_json(const nlohmann::json& j, message::cursor& at) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<long long>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<unsigned long long>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& v : j) out.append(from_json(v, at));
      return out;
    }
    case nlohmann::json::value_t::object: {
      // Handles take the message's next buffer or function (walk order: message.hpp).
      if (is_buffer_handle(j)) return to_numpy(at.next_buffer(j));
      if (function_handle::is_handle(j)) {
        const function_ref& f = at.next_function(j);
        if (f->runtime() == "py") {
          auto it = state().callables.find(f->id());
          if (it != state().callables.end()) return it->second;
        }
        return foreign_callable(f);
      }
      if (pending_handle::is_handle(j)) return awaitable_for(pending_handle::take(j));
      if (keyword_arguments::is_marker(j)) {  // keyword arguments: a promethean.kw again
        py::dict keywords = new_keyword_arguments();
        for (const auto& [key, value] : j.at("values").items()) keywords[py::str(key)] = from_json(value, at);
        return keywords;
      }
      py::dict out;
      for (const auto& [key, value] : j.items()) out[py::str(key)] = from_json(value, at);
      return out;
    }
    default: throw message_error("cannot convert JSON value " + j.dump() + " to Python");
  }
}
}  // namespace

namespace {
buffer adopt_new(py::handle obj);

/// numpy arrays that crossed, and the Buffer each became, remembered weakly: while that Buffer
/// lives (a receiver kept it: a JS TypedArray over it, a host handle, a message in flight) the
/// same array crosses again as the same Buffer: no new Buffer, handle or ledger entry, and the
/// receiver reuses its view (JS makes no new ArrayBuffer, which V8 would count as new external
/// memory and collect garbage for). The Buffer holds the array (its Py_buffer), so while it lives
/// the array's address cannot be reused; a dead entry is found dead in the ledger. The cache
/// cannot hold the Buffer strongly: the Buffer keeps the array alive, and the array could never go.
/// Touched under the GIL only.
struct adopted_array {
  std::uint64_t serial;
  const void* descr;  // compared, never dereferenced: `a.dtype = …` swaps it in place
  /// The handle promethean.call lends to its argument message (arguments_to_message): the last
  /// Buffer's, renamed for the next one (refresh_buffer_handle checks the layout). Null while lent.
  nlohmann::json spare;
};
std::unordered_map<PyObject*, adopted_array>& adopted_arrays() {
  static auto* cache = new std::unordered_map<PyObject*, adopted_array>();  // outlives the interpreter
  return *cache;
}
std::size_t g_adopted_swept_at = 64;

/// What the cache above remembers: numpy arrays, bytearrays and bytes (exact types: a subclass
/// may change what its buffer gives). A bytearray cannot be resized while a Buffer holds its
/// export (CPython raises BufferError), and bytes never change, so while the Buffer lives its
/// address and size are the object's.
enum class cached_kind { none, ndarray, bytearray, bytes };
cached_kind cached_kind_of(PyObject* obj) {
  if (PyByteArray_CheckExact(obj)) return cached_kind::bytearray;
  if (PyBytes_CheckExact(obj)) return cached_kind::bytes;
  if (PyObject_CheckBuffer(obj) && py::array::check_(obj)) return cached_kind::ndarray;
  return cached_kind::none;
}

/// The live Buffer `obj` became when it last crossed, if it still describes obj exactly (an
/// array's shape, strides and dtype can be reassigned in place).
std::optional<buffer> readopt(PyObject* obj, cached_kind kind) {
  auto& cache = adopted_arrays();
  auto it = cache.find(obj);
  if (it == cache.end()) return std::nullopt;
  auto live = ledger::instance().find_serial(it->second.serial);
  // A dead entry stays for remember_adopted to overwrite in place (an array passed anew each call
  // would otherwise cost a node freed and another allocated per call); the sweep drops the rest.
  if (!live) return std::nullopt;
  if (kind != cached_kind::ndarray) {
    const bool bytes = kind == cached_kind::bytes;
    const void* data = bytes ? static_cast<const void*>(PyBytes_AS_STRING(obj)) : PyByteArray_AS_STRING(obj);
    const auto size = static_cast<std::size_t>(bytes ? PyBytes_GET_SIZE(obj) : PyByteArray_GET_SIZE(obj));
    if (it->second.descr != nullptr || data != live->cdata() || size != live->nbytes() || bytes != live->readonly()) {
      return std::nullopt;
    }
    return live;
  }
  const auto* a = py::detail::array_proxy(obj);
  const bool writeable = (a->flags & py::detail::npy_api::NPY_ARRAY_WRITEABLE_) != 0;
  if (a->descr != it->second.descr || static_cast<const void*>(a->data) != live->cdata() ||
      static_cast<std::size_t>(a->nd) != live->ndim() || writeable == live->readonly()) {
    return std::nullopt;
  }
  for (int i = 0; i < a->nd; ++i) {
    if (static_cast<std::size_t>(a->dimensions[i]) != live->shape()[i] || a->strides[i] != live->strides()[i]) {
      return std::nullopt;
    }
  }
  return live;
}

void remember_adopted(PyObject* obj, cached_kind kind, const buffer& b) {
  auto& cache = adopted_arrays();
  adopted_array& entry = cache[obj];  // an entry found dead keeps its spare handle (renamed on use)
  entry.serial = b.serial();
  entry.descr = kind == cached_kind::ndarray ? py::detail::array_proxy(obj)->descr : nullptr;
  if (cache.size() < 2 * g_adopted_swept_at) return;
  // Amortised sweep of entries whose Buffer is gone.
  for (auto it = cache.begin(); it != cache.end();) {
    it = ledger::instance().find_serial(it->second.serial) ? std::next(it) : cache.erase(it);
  }
  g_adopted_swept_at = std::max<std::size_t>(64, cache.size());
}
}  // namespace

message to_message(py::handle obj) {
  // The commonest result, an int that fits in 64 bits, straight into the message: no general walk
  // and no value moved through it (convert() gives the same).
  if (PyLong_CheckExact(obj.ptr())) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow == 0) return message(message::in_walk_order, nlohmann::json(v));
  } else if (PyFloat_CheckExact(obj.ptr())) {
    const double v = PyFloat_AS_DOUBLE(obj.ptr());
    if (std::isfinite(v)) return message(message::in_walk_order, nlohmann::json(v));  // else convert()'s error
  }
  nlohmann::json value;
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  convert(obj, value, buffers, functions, 0);
  return message(message::in_walk_order, std::move(value), std::move(buffers), std::move(functions));
}

message completion_to_message(py::handle obj) {
  try {
    return to_message(obj);
  } catch (const python_error& e) {
    if (e.type() != "TypeError") throw;  // the conversion's refusals are TypeErrors (type_error above)
    return message();                    // null: the code ran, its value stays in Python
  }
}

message arguments_to_message(PyObject* const* args, std::size_t n, std::vector<lent_handle>* lent) {
  nlohmann::json values = nlohmann::json::array();
  values.get_ref<nlohmann::json::array_t&>().reserve(n);
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json v;
    // A numpy array, bytearray or bytes (what convert() would adopt: no earlier case of it takes
    // one) with a cache entry for its Buffer lends the entry's handle; a host buffer's own view
    // has none. cached_kind_of asks PyObject_CheckBuffer before numpy: array::check_ loads numpy's
    // C API on first use, which must not happen for arguments that are not buffers (a thread
    // importing numpy under pybind11's static initialisation while another waits for it with the
    // GIL held deadlocks).
    if (lent != nullptr && cached_kind_of(args[i]) != cached_kind::none) {
      buffer b = adopt(args[i]);
      auto& cache = adopted_arrays();
      auto it = cache.find(args[i]);
      if (it != cache.end() && it->second.serial == b.serial()) {
        v = std::move(it->second.spare);  // null if lent already (the same array twice, a nested call)
        refresh_buffer_handle(v, b);
        lent->push_back(lent_handle{values.size(), args[i]});
      } else {
        v = buffer_to_json(b);
      }
      buffers.push_back(std::move(b));
    } else if (lent != nullptr && exports_dlpack(args[i])) {  // asks the type only: every argument comes here
      buffer b = adopt_foreign_array(args[i], foreign_array_kind::dlpack);  // a torch.Tensor, as convert() would
      v = lend_tensor_handle(args[i], b);
      lent->push_back(lent_handle{values.size(), args[i], true});
      buffers.push_back(std::move(b));
    } else {
      convert(args[i], v, buffers, functions, 1);
    }
    values.push_back(std::move(v));
  }
  return message(message::in_walk_order, std::move(values), std::move(buffers), std::move(functions));
}

void give_back_handles(message& args, std::vector<lent_handle>& lent) noexcept {
  if (lent.empty()) return;
  // The message is the caller's own, made by arguments_to_message for this one call and dropped
  // right after: its value is not shared (a copy of a message copies its JSON) and not read again,
  // so moving elements out of it is moving out of a non-const object the caller owns. The arrays
  // are the call's arguments, alive until it returns; an entry swept meanwhile takes nothing.
  auto& values = const_cast<nlohmann::json&>(args.value());
  auto& cache = adopted_arrays();
  for (const lent_handle& l : lent) {
    if (l.tensor) {
      if (l.index < values.size() && values[l.index].is_object()) give_back_tensor_handle(l.array, std::move(values[l.index]));
      continue;
    }
    auto it = cache.find(l.array);
    if (it != cache.end() && it->second.spare.is_null() && l.index < values.size() && values[l.index].is_object()) {
      it->second.spare = std::move(values[l.index]);
    }
  }
  lent.clear();
}

py::object from_message(const message& m) {
  message::cursor at(m);
  return from_json(m.value(), at);
}

py::object from_argument(const argument& a) {
  switch (a.type()) {
    case argument::kind::null: return py::none();
    case argument::kind::boolean: return py::bool_(a.as_bool());
    case argument::kind::integer: return py::reinterpret_steal<py::object>(PyLong_FromLongLong(a.as_int()));
    case argument::kind::number: return py::reinterpret_steal<py::object>(PyFloat_FromDouble(a.as_double()));
    case argument::kind::string: {
      const std::string_view s = a.as_string();
      auto str = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr));
      if (!str) throw py::error_already_set();  // not UTF-8: UnicodeDecodeError, as a JSON string gives
      return str;
    }
    case argument::kind::buffer: return to_numpy(a.as_buffer());
  }
  return py::none();  // not reached: every kind is handled above
}

py::object from_message_value(const nlohmann::json& value, message::cursor& at) { return from_json(value, at); }

bool crosses_as_a_buffer(PyObject* obj) { return cached_kind_of(obj) != cached_kind::none || exports_dlpack(obj); }

std::string_view utf8_view(PyObject* str) {
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(str, &size);
  if (utf8 == nullptr) throw py::error_already_set();
  return {utf8, static_cast<std::size_t>(size)};
}

buffer adopt(py::handle obj) {
  if (!PyObject_CheckBuffer(obj.ptr())) {
    if (const auto kind = foreign_array_kind_of(obj.ptr()); kind != foreign_array_kind::none) {
      return adopt_foreign_array(obj, kind);
    }
  }
  const cached_kind kind = cached_kind_of(obj.ptr());
  if (kind != cached_kind::none) {
    if (auto again = readopt(obj.ptr(), kind)) return *again;
  }
  buffer adopted = adopt_new(obj);
  if (kind != cached_kind::none && adopted.language() == "py") remember_adopted(obj.ptr(), kind, adopted);
  return adopted;
}

namespace {
buffer adopt_new(py::handle obj) {
  // `raw` describes the memory and `release` lets it go; every path must call release exactly once.
  Py_buffer fields;
  Py_buffer* raw = &fields;
  std::function<void()> release;
  dtype format;
  if (plain_ndarray(obj.ptr(), fields, format)) {
    // What the buffer protocol would give, read from the array; the Buffer holds the array by one
    // reference, as a Py_buffer's `obj` would.
    PyObject* held = obj.ptr();
    Py_INCREF(held);
    release = [held] {
      auto& s = state();
      if (!s.alive.load()) return;  // the interpreter is gone; so is the object's memory manager
      if (PyGILState_Check() != 0) {
        Py_DECREF(held);
      } else {
        s.releases.push([held] { Py_DECREF(held); });
      }
    };
  } else {
    auto view = std::make_unique<Py_buffer>();
    if (PyObject_GetBuffer(obj.ptr(), view.get(), PyBUF_RECORDS_RO) != 0) throw py::error_already_set();
    // From here on the view holds a reference to obj.
    raw = view.release();
    release = [raw] {
      auto& s = state();
      if (!s.alive.load()) return;  // the interpreter is gone; so is the object's memory manager
      if (PyGILState_Check() != 0) {
        PyBuffer_Release(raw);
        delete raw;
      } else {
        s.releases.push([raw] {
          PyBuffer_Release(raw);
          delete raw;
        });
      }
    };
    try {
      format = dtype_of_format(raw->format, raw->itemsize, obj);
    } catch (...) {
      release();
      throw;
    }
  }
  // An array that is exactly a host buffer's numpy view goes back as that buffer (same id).
  if (auto same = exported_buffer(obj, *raw)) {
    release();
    return *same;
  }
  shape_t shape(raw->shape, raw->shape + raw->ndim);
  adopt_options options;
  options.language = "py";
  if (raw->strides) options.strides.assign(raw->strides, raw->strides + raw->ndim);  // else C order
  options.readonly = raw->readonly != 0;
  return adopt_strided(static_cast<std::byte*>(raw->buf), std::move(release), format, std::move(shape), std::move(options));
}
}  // namespace

}  // namespace promethean::python
