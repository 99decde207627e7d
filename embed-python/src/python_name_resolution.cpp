// How the py runtime finds a function by name (python_name_resolution.hpp).
#include "python_name_resolution.hpp"

#include "python_state.hpp"

#include <promethean/error.hpp>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace py = pybind11;

namespace promethean::python {
namespace {

std::size_t parts_in(std::string_view dotted) {
  return static_cast<std::size_t>(std::count(dotted.begin(), dotted.end(), '.')) + 1;
}

/// A str of `text` (UTF-8), or error_already_set.
py::str text_object(std::string_view text) {
  PyObject* o = PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

/// `target.part.part…` for the dotted parts of `rest` ("b.c"), or null when one is missing (no
/// error left set; `*missing` names it).
py::object walk_attributes(py::object target, std::string_view rest, std::string_view* missing) {
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    target = py::reinterpret_steal<py::object>(PyObject_GetAttr(target.ptr(), text_object(part).ptr()));
    if (!target) {
      PyErr_Clear();
      *missing = part;
      return target;
    }
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return target;
}

/// The full lookup (the order of python_name_resolution.hpp); `module_parts` tells how it went: 0
/// when the head was found in __main__ or the builtins, else how many parts name the module.
py::object resolve_slowly(std::string_view name, std::size_t& module_parts) {
  module_parts = 0;
  const auto first_dot = name.find('.');
  const std::string_view head = name.substr(0, first_dot);
  const std::string_view rest = first_dot == std::string_view::npos ? std::string_view() : name.substr(first_dot + 1);
  std::string_view missing_part;
  auto missing = [&] {
    return usage_error("py: no function '" + std::string(name) + "': '" + std::string(missing_part) + "' not found",
                       "py");
  };
  py::str head_text = text_object(head);
  // __main__'s and the builtins' dicts, looked up without the import machinery.
  PyObject* main_module = PyImport_AddModule("__main__");  // borrowed
  if (main_module == nullptr) throw py::error_already_set();
  PyObject* found = PyDict_GetItemWithError(PyModule_GetDict(main_module), head_text.ptr());  // borrowed
  if (found == nullptr && !PyErr_Occurred()) found = PyDict_GetItemWithError(PyEval_GetBuiltins(), head_text.ptr());
  if (found == nullptr && PyErr_Occurred()) throw py::error_already_set();
  if (found != nullptr) {
    py::object target = walk_attributes(py::reinterpret_borrow<py::object>(found), rest, &missing_part);
    if (!target) throw missing();
    return target;
  }
  // A module: the longest dotted prefix in sys.modules, then the attributes after it.
  auto after = [&](std::size_t end) { return end == name.size() ? std::string_view() : name.substr(end + 1); };
  for (std::size_t end = name.size();; end = name.rfind('.', end - 1)) {
    auto module = py::reinterpret_steal<py::object>(PyImport_GetModule(text_object(name.substr(0, end)).ptr()));
    if (!module && PyErr_Occurred()) throw py::error_already_set();
    if (module) {
      if (py::object target = walk_attributes(module, after(end), &missing_part)) {
        module_parts = parts_in(name.substr(0, end));
        return target;
      }
      break;  // a submodule not imported yet, perhaps: the import below finds it
    }
    if (end == head.size()) break;
  }
  // Not imported yet: the longest importable prefix (numpy.linalg.norm imports numpy.linalg).
  for (std::size_t end = name.size();; end = name.rfind('.', end - 1)) {
    py::object module;
    try {
      module = py::module_::import(std::string(name.substr(0, end)).c_str());
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_ImportError)) throw;
      if (end == head.size()) {
        throw usage_error("py: no function '" + std::string(name) + "': '" + std::string(head) +
                              "' is not exported, defined in __main__, a builtin or an importable module",
                          "py");
      }
      continue;
    }
    py::object target = walk_attributes(module, after(end), &missing_part);
    if (!target) throw missing();
    module_parts = parts_in(name.substr(0, end));
    return target;
  }
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

void remember(std::string_view name, std::size_t module_parts) {
  auto& t = the_routes();
  if (t.routes.size() >= k_max_routes) t.routes.clear();
  route r;
  for (std::size_t start = 0;;) {
    const auto dot = name.find('.', start);
    r.parts.push_back(text_object(name.substr(start, dot == std::string_view::npos ? dot : dot - start)));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  r.module_parts = module_parts;
  if (module_parts > 0) {
    std::size_t end = 0;
    for (std::size_t i = 0; i < module_parts; ++i) end = name.find('.', end + (i == 0 ? 0 : 1));
    r.module_key = text_object(name.substr(0, end == std::string_view::npos ? name.size() : end));
  }
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
  std::size_t module_parts = 0;
  py::object target = resolve_slowly(name, module_parts);
  remember(name, module_parts);
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
