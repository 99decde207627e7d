// Private: modules already imported, found in sys.modules with one dict lookup instead of through
// the import machinery.
//
// Why: PyImport_ImportModule and PyImport_GetModule, even for a module imported long ago, ask
// whether another thread is still importing it (`module.__spec__._initializing`). CPython 3.11
// asks with PyObject_GetAttr, and the attribute is absent from the specs of modules set up in C
// (sys, builtins) and of modules executed by hand (a `load`ed file): every such question makes,
// formats and clears an AttributeError, ~2,000 instructions. `import("importlib.util")` asked it
// four times (through __import__ and the builtins it first finds), and a `load` with its first call
// paid ~30,000 instructions for questions whose answer was no: most of what a fresh `load` cost
// beyond Python's own import of the file (issue 26, item 4). Here the same question is asked
// without an exception, and only a module really being imported takes the long way, which waits
// for that import to end as Python's own import does.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>

namespace promethean::python {

/// An interned str of `text`, for a name looked up often: make it once (a static) and keep it for
/// the interpreter's life (CPython starts once per process). GIL held.
PyObject* interned(const char* text);

/// sys.modules[name] (a new reference) once no other thread is importing it; null, with no error
/// set, when sys.modules does not hold `name`. error_already_set on Python errors. GIL held.
pybind11::object loaded_module(pybind11::handle name);

/// The module `name` (dotted): loaded_module, else imported now. error_already_set (an
/// ImportError, say) when it cannot be imported. GIL held.
pybind11::object module_named(std::string_view name);

/// __main__'s namespace, its module dict. GIL held.
pybind11::dict main_dict();

}  // namespace promethean::python
