// Private: how the py runtime finds a function by name (host.call("py", name, …), promethean.call,
// send_json's handler). The order: an exported name, a callable handed out, then the first part of
// a dotted name in `__main__`, then in the builtins, then the longest prefix that is a module (in
// sys.modules: an imported or load()ed module; else imported now, once), then its attributes.
//
// Every call looks the name up again, so a redefinition, a reassignment in __main__, a load() or an
// export is seen at once, and a failed lookup is not remembered. What a first success remembers is
// only how the name splits (its parts as ready-made str keys, and how many of them name the module)
// so that later calls are a few dict lookups: no string made, no import machinery (issue 26).
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>

namespace promethean::python {

/// The object `name` names now; usage_error("py", …) when nothing does. GIL held.
pybind11::object resolve(std::string_view name);

/// An export of `name` takes precedence from now on. GIL held.
void forget_route(std::string_view name);

/// Before Python ends, with the GIL: what was remembered of names (str keys) is let go.
void forget_routes();

}  // namespace promethean::python
