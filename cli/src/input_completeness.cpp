// Whether the REPL's input is complete, by each language's own parser (input_completeness.hpp).
#include "input_completeness.hpp"

#include "repl_python_helper.hpp"

#include <promethean/host/meta_input.hpp>

#include <nlohmann/json.hpp>

#include <array>

namespace promethean::cli {

namespace {

/// V8 decides: the source is compiled (not run). A SyntaxError caused by the end of the input is
/// one that more text changes: "Unexpected end of input", or an error whose message or place
/// (the file:line, source line and caret Node puts first in the stack) changes when a line is
/// added (`foo(1` reports "missing ) after argument list" at the '(' whatever follows, and `foo(1
/// 2)` too, but only the first is fixed by a ')'). An error before the end stays where it is,
/// since V8 stops at the first one.
constexpr const char* k_js_incomplete = R"((source) => {
  const vm = require('vm');
  const problem = (text) => {
    try {
      new vm.Script(text, { filename: '<repl>' });
      return null;
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      return e.message + '\n' + String(e.stack).split('\n', 3).join('\n');
    }
  };
  const found = problem(source);
  if (found === null) return false;
  if (/^(Unexpected end of input|Unterminated template literal)\n/.test(found)) return true;
  return ['@', ')', '*/'].some((more) => problem(source + '\n' + more) !== found);
})";

bool js_incomplete(host& h, const std::string& source) {
  const std::string code = std::string("(") + k_js_incomplete + ")(" + h.marshal("js", nlohmann::json(source)) + ")";
  return h.eval("js", code).data.value() == true;
}

/// /bin/sh decides (`sh -n` reads without running): an end of file inside a construct or a
/// quote; a line that ends with a backslash goes on, as in a shell.
bool sh_incomplete(host& h, const std::string& source) {
  if (!source.empty() && source.back() == '\\') return true;
  const nlohmann::json checked = h.eval("sh", "/bin/sh -n -c " + h.marshal("sh", nlohmann::json(source))).data.value();
  if (checked.value("exit_code", 0) == 0) return false;
  const std::string stderr_text = checked.value("stderr", "");
  static constexpr std::array<const char*, 4> k_unfinished{"end of file unexpected", "unexpected end of file",
                                                           "Unterminated quoted string", "Missing '))'"};
  for (const char* sign : k_unfinished) {
    if (stderr_text.find(sign) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

bool input_incomplete(host& h, const std::string& language, const std::string& source) {
  if (language == "meta") return !meta_input_incomplete(source + "\n").empty();
  if (language == "py") return python_needs_more(h, source);
  if (language == "js") return js_incomplete(h, source);
  if (language == "sh") return sh_incomplete(h, source);
  return false;
}

}  // namespace promethean::cli
