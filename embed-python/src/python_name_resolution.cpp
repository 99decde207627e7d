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


/// How a name resolved the first time: its parts as str keys, and how many of them name a module
/// (0: the head is found in __main__ or the builtins).
struct route {
  std::vector<py::object> parts;
  py::object module_key;  // the module's dotted name, when module_parts > 0
  std::size_t module_parts = 0;
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

/// The lookup again along `r`, or null (no error set) where anything differs: the slow path then
/// finds what the name means now.
py::object follow(const route& r) {
  auto& t = the_routes();
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  PyObject* main = PyDict_GetItemWithError(modules, t.main_key.ptr());
  PyObject* head = main != nullptr && PyModule_Check(main)
                       ? PyDict_GetItemWithError(PyModule_GetDict(main), r.parts[0].ptr())
                       : nullptr;
  if (head == nullptr && !PyErr_Occurred()) head = PyDict_GetItemWithError(PyEval_GetBuiltins(), r.parts[0].ptr());
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
  for (; next < r.parts.size(); ++next) {
    target = py::reinterpret_steal<py::object>(PyObject_GetAttr(target.ptr(), r.parts[next].ptr()));
    if (!target) {
      PyErr_Clear();
      return {};
    }
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
    if (py::object target = follow(it->second)) return target;
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
