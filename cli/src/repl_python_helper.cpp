// The terminal REPL's helper inside Python (repl_python_helper.hpp).
#include "repl_python_helper.hpp"

#include <nlohmann/json.hpp>

namespace promethean::cli {

namespace {

/// A module of its own (sys.modules["_promethean_repl"]), so that the user's globals hold no name
/// of the REPL's; the REPL calls its functions by their dotted names.
constexpr const char* k_helper = R"(import code, codeop, sys

_console = code.InteractiveInterpreter(sys.modules["__main__"].__dict__)


def needs_more(source):
    try:
        return codeop.compile_command(source, "<stdin>", "single") is None
    except (OverflowError, SyntaxError, ValueError):
        return False  # complete and wrong: running it shows the error


def run(source):
    try:
        _console.runsource(source, "<stdin>", "single")
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
)";

/// Installs the helper module unless it is there: made whole, then added to sys.modules, so that a
/// failure leaves nothing half made; the code binds no name in __main__.
void install(host& h) {
  const std::string source = h.marshal("py", nlohmann::json(k_helper));
  h.eval("py", "__import__('sys').modules.get('_promethean_repl') is not None or "
               "__import__('sys').modules.__setitem__('_promethean_repl', (lambda m: (exec(" +
                   source + ", m.__dict__), m)[1])(__import__('types').ModuleType('_promethean_repl')))");
}

}  // namespace

bool python_needs_more(host& h, const std::string& source) {
  install(h);
  return h.call("py", "_promethean_repl.needs_more", nlohmann::json::array({source})).value() == true;
}

void python_run(host& h, const std::string& source) {
  install(h);
  h.call("py", "_promethean_repl.run", nlohmann::json::array({source}));
}

}  // namespace promethean::cli
