// How the py runtime finds a function by name (python_name_resolution.hpp).
#include "python_name_resolution.hpp"

#include "python_loaded_modules.hpp"
#include "python_state.hpp"

#include <promethean/error.hpp>

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace py = pybind11;

namespace promethean::python {
namespace {

/// A str of `text` (UTF-8), or error_already_set.
py::str text_object(std::string_view text) {
  PyObject* o = PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

/// A dotted name split once: its parts as text and as str keys, made once for the first lookup and
/// kept by the route it leaves (a str made from C text is a few hundred instructions each).
struct name_parts {
  std::vector<std::string_view> text;  // views into the name
  std::vector<py::object> keys;
};

name_parts split_name(std::string_view name) {
  name_parts p;
  for (std::size_t start = 0;;) {
    const auto dot = name.find('.', start);
    p.text.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    p.keys.push_back(text_object(p.text.back()));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return p;
}

/// The first `count` parts of `name`, dotted ("a.b" of "a.b.c" for 2).
std::string_view first_parts(std::string_view name, const name_parts& p, std::size_t count) {
  const std::string_view last = p.text[count - 1];
  return name.substr(0, static_cast<std::size_t>(last.data() - name.data()) + last.size());
}

/// sys.modules' key for the module named by the first `count` parts.
py::object module_key(std::string_view name, const name_parts& p, std::size_t count) {
  return count == 1 ? p.keys[0] : text_object(first_parts(name, p, count));
}

/// `target.part.part…` for the parts from `first` on, or null when one is missing (no error left
/// set; `*missing` names it).
py::object walk_attributes(py::object target, const name_parts& p, std::size_t first, std::string_view* missing) {
  for (std::size_t i = first; i < p.keys.size(); ++i) {
    target = py::reinterpret_steal<py::object>(PyObject_GetAttr(target.ptr(), p.keys[i].ptr()));
    if (!target) {
      PyErr_Clear();
      *missing = p.text[i];
      return target;
    }
  }
  return target;
}

/// The full lookup (the order of python_name_resolution.hpp); `module_parts` tells how it went: 0
/// when the head was found in __main__ or the builtins, else how many parts name the module, whose
/// sys.modules key is then `module`.
py::object resolve_slowly(std::string_view name, const name_parts& p, std::size_t& module_parts, py::object& module) {
  module_parts = 0;
  const std::size_t n = p.keys.size();
  std::string_view missing_part;
  auto missing = [&] {
    return usage_error("py: no function '" + std::string(name) + "': '" + std::string(missing_part) + "' not found",
                       "py");
  };
  // __main__'s and the builtins' dicts, looked up without the import machinery.
  const py::dict globals = main_dict();
  PyObject* found = PyDict_GetItemWithError(globals.ptr(), p.keys[0].ptr());  // borrowed
  if (found == nullptr && !PyErr_Occurred()) found = PyDict_GetItemWithError(PyEval_GetBuiltins(), p.keys[0].ptr());
  if (found == nullptr && PyErr_Occurred()) throw py::error_already_set();
  if (found != nullptr) {
    py::object target = walk_attributes(py::reinterpret_borrow<py::object>(found), p, 1, &missing_part);
    if (!target) throw missing();
    return target;
  }
  // A module: the longest dotted prefix in sys.modules, then the attributes after it.
  for (std::size_t count = n; count >= 1; --count) {
    py::object key = module_key(name, p, count);
    if (py::object loaded = loaded_module(key)) {
      if (py::object target = walk_attributes(loaded, p, count, &missing_part)) {
        module_parts = count;
        module = std::move(key);
        return target;
      }
      break;  // a submodule not imported yet, perhaps: the import below finds it
    }
  }
  // Not imported yet: the longest importable prefix (numpy.linalg.norm imports numpy.linalg).
  for (std::size_t count = n; count >= 1; --count) {
    py::object imported;
    py::object key = module_key(name, p, count);
    try {
      imported = module_named(first_parts(name, p, count));
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_ImportError)) throw;
      if (count == 1) {
        throw usage_error("py: no function '" + std::string(name) + "': '" + std::string(p.text[0]) +
                              "' is not exported, defined in __main__, a builtin or an importable module",
                          "py");
      }
      continue;
    }
    py::object target = walk_attributes(imported, p, count, &missing_part);
    if (!target) throw missing();
    module_parts = count;
    module = std::move(key);
    return target;
  }
  throw std::logic_error("py: a name has at least one part");  // the loop returns or throws at count 1
}

/// The dicts a simple lookup reads, and their versions then. CPython before 3.12 gives a dict a new,
/// globally unique ma_version_tag at every change, so equal versions mean nothing the lookup read
/// has changed: the same target, without the lookup (issue 26: every route as fast as an export).
/// Kept only for names whose every step is a dict lookup: a head in __main__ or the builtins with
/// no attribute after it, or a plain module's own attribute (`stem.fn`, the module a ModuleType
/// and the name none of ModuleType's). `main` and `module` are read only once sys.modules' version
/// is found unchanged: the same modules are there, and hold those dicts alive; the builtins are
/// found again each time and compared by address first.
struct dict_versions {
  PyObject* main = nullptr;
  PyObject* builtins = nullptr;
  PyObject* module = nullptr;  // the module's dict (stem.fn), else null
  std::uint64_t modules_version = 0, main_version = 0, builtins_version = 0, module_version = 0;
  bool kept = false;
};

#if PY_VERSION_HEX < 0x030C0000
std::uint64_t version_of(PyObject* dict) { return reinterpret_cast<PyDictObject*>(dict)->ma_version_tag; }
constexpr bool k_dict_versions = true;
#else
std::uint64_t version_of(PyObject*) { return 0; }
constexpr bool k_dict_versions = false;  // ma_version_tag is deprecated from 3.12: every call follows the route
#endif

/// How a name resolved the first time: its parts as str keys, and how many of them name a module
/// (0: the head is found in __main__ or the builtins).
struct route {
  std::vector<py::object> parts;
  py::object module_key;  // the module's dotted name, when module_parts > 0
  std::size_t module_parts = 0;
  /// The target the last lookup found, kept with what it read (see unchanged_since): a dict lookup
  /// at most, in sys.modules, __main__, the builtins and a module's own dict.
  py::object target;
  dict_versions read;
};

struct route_table {
  std::unordered_map<std::string, route, python_state::name_hash, std::equal_to<>> routes;
  py::object main_key;  // "__main__"
};

/// Touched under the GIL only; its references live as long as Python (the table is never freed:
/// it may outlive the interpreter at exit, and is cleared by forget_routes before that).
route_table& the_routes() {
  static auto* table = new route_table();
  return *table;
}

constexpr std::size_t k_max_routes = 4096;  // names are code's, but a caller may send any

/// Whether nothing `read` read has changed since (see dict_versions).
bool unchanged_since(const dict_versions& read) {
  if (!read.kept) return false;
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  if (version_of(modules) != read.modules_version || version_of(read.main) != read.main_version) return false;
  if (read.builtins != nullptr) {
    PyObject* builtins = PyEval_GetBuiltins();
    if (builtins != read.builtins || version_of(builtins) != read.builtins_version) return false;
  }
  return read.module == nullptr || version_of(read.module) == read.module_version;
}

/// The lookup again along `r`, or null (no error set) where anything differs: the slow path then
/// finds what the name means now. `read` is filled when the lookup was dict lookups only.
py::object follow(const route& r, dict_versions& read) {
  auto& t = the_routes();
  read = dict_versions{};
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  PyObject* main = PyDict_GetItemWithError(modules, t.main_key.ptr());
  PyObject* main_dict = main != nullptr && PyModule_Check(main) ? PyModule_GetDict(main) : nullptr;
  PyObject* head = main_dict != nullptr ? PyDict_GetItemWithError(main_dict, r.parts[0].ptr()) : nullptr;
  PyObject* builtins = nullptr;
  if (head == nullptr && !PyErr_Occurred()) {
    builtins = PyEval_GetBuiltins();
    head = PyDict_GetItemWithError(builtins, r.parts[0].ptr());
  }
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return {};
  }
  std::size_t next = 1;
  if (head != nullptr) {
    if (r.module_parts != 0) return {};  // the head means something else now
  } else {
    if (r.module_parts == 0) return {};
    head = PyDict_GetItemWithError(modules, r.module_key.ptr());
    if (head == nullptr) {
      PyErr_Clear();
      return {};
    }
    next = r.module_parts;
  }
  auto target = py::reinterpret_borrow<py::object>(head);
  const bool module_member = r.module_parts != 0 && next + 1 == r.parts.size() && PyModule_CheckExact(head) &&
                             _PyType_Lookup(&PyModule_Type, r.parts[next].ptr()) == nullptr;
  if (k_dict_versions && main_dict != nullptr && (next == r.parts.size() || module_member)) {
    read = dict_versions{main_dict, builtins, module_member ? PyModule_GetDict(head) : nullptr,
                         version_of(modules), version_of(main_dict), builtins ? version_of(builtins) : 0,
                         module_member ? version_of(PyModule_GetDict(head)) : 0, true};
  }
  for (; next < r.parts.size(); ++next) {
    target = py::reinterpret_steal<py::object>(PyObject_GetAttr(target.ptr(), r.parts[next].ptr()));
    if (!target) {
      PyErr_Clear();
      read.kept = false;
      return {};
    }
  }
  // A module's attribute kept only if it is the module dict's own entry (no __getattr__ made it).
  if (read.module != nullptr && PyDict_GetItemWithError(read.module, r.parts.back().ptr()) != target.ptr()) {
    PyErr_Clear();
    read.kept = false;
  }
  return target;
}

void remember(std::string_view name, name_parts&& p, std::size_t module_parts, py::object module) {
  auto& t = the_routes();
  if (t.routes.size() >= k_max_routes) t.routes.clear();
  route r;
  r.parts = std::move(p.keys);
  r.module_parts = module_parts;
  r.module_key = std::move(module);
  t.routes.insert_or_assign(std::string(name), std::move(r));
}

}  // namespace

py::object resolve(std::string_view name) {
  auto& s = state();
  auto& t = the_routes();
  // A remembered route first: a name is remembered only if it was not exported (and export
  // forgets it), and function ids are never names of routes.
  if (auto it = t.routes.find(name); it != t.routes.end()) {
    route& r = it->second;
    if (unchanged_since(r.read)) return r.target;
    if (py::object target = follow(r, r.read)) {
      r.target = r.read.kept ? target : py::object();
      return target;
    }
    r.target = py::object();
  }
  if (auto it = s.exported.find(name); it != s.exported.end()) return it->second;
  if (auto it = s.callables.find(name); it != s.callables.end()) return it->second;
  if (!t.main_key) t.main_key = text_object("__main__");
  name_parts parts = split_name(name);
  std::size_t module_parts = 0;
  py::object module;
  py::object target = resolve_slowly(name, parts, module_parts, module);
  remember(name, std::move(parts), module_parts, std::move(module));
  return target;
}

void forget_route(std::string_view name) {
  auto& t = the_routes();
  if (auto it = t.routes.find(name); it != t.routes.end()) t.routes.erase(it);
}

void forget_routes() {
  auto& t = the_routes();
  t.routes.clear();
  t.main_key = py::object();
}

}  // namespace promethean::python
