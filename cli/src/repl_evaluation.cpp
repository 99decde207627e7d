// Running the terminal REPL's inputs and showing their values (repl_evaluation.hpp).
#include "repl_evaluation.hpp"

#include "repl_python_helper.hpp"

#include <promethean/error.hpp>

#include <nlohmann/json.hpp>

namespace promethean::cli {

namespace {

/// As node's REPL: the code runs as a script of the main context (vm.runInThisContext), so `var`
/// and functions become globals and `let`/`const` stay in the global scope for later inputs;
/// input that starts with '{' is an object literal when it reads as one; `await` works at the top;
/// the value is shown by util.inspect; an exception is "Uncaught " and its inspection, without the
/// REPL's own frames.
constexpr const char* k_js_run = R"((source) => {
  const vm = require('vm');
  const util = require('util');
  const uncaught = (e) => {
    const lines = util.inspect(e).split('\n');
    const ours = lines.findIndex((line) => /^\s+at .*\(node:vm:/.test(line));
    if (ours >= 0) {
      let end = ours;
      while (end < lines.length && /^\s+at /.test(lines[end])) ++end;
      lines.splice(ours, end - ours);
    }
    const named = e instanceof Error ? Math.max(lines.findIndex((line) => line.startsWith(e.name)), 0) : 0;
    lines[named] = 'Uncaught ' + lines[named];
    return { error: lines.join('\n') };
  };
  let code = source;
  if (/^\s*\{/.test(source) && !/;\s*$/.test(source)) {
    try {
      new vm.Script('(' + source + '\n)');
      code = '(' + source + '\n)';
    } catch (e) {}
  }
  let script;
  let awaited = false;
  try {
    script = new vm.Script(code, { filename: '<repl>' });  // a SyntaxError shows where, as node's REPL
  } catch (e) {
    if (!(e instanceof SyntaxError && /^await is only valid/.test(e.message))) return uncaught(e);
    // Top-level await, as node's REPL has it: the input runs in an async function (an expression's
    // value is returned; declarations stay inside it), and the eval settles the Promise.
    for (const wrapped of [`(async () => (\n${source}\n))()`, `(async () => {\n${source}\n})()`]) {
      try {
        script = new vm.Script(wrapped, { filename: '<repl>' });
        break;
      } catch (ignored) {}
    }
    if (script === undefined) return uncaught(e);
    awaited = true;
  }
  try {
    const value = script.runInThisContext({ displayErrors: false });
    if (awaited) return value.then((settled) => ({ value: util.inspect(settled) }), uncaught);
    return { value: util.inspect(value) };
  } catch (e) {
    return uncaught(e);
  }
})";

void show_text(std::ostream& to, const std::string& text) {
  to << text;
  if (!text.empty() && text.back() != '\n') to << '\n';
}

void js_run(host& h, const std::string& source, std::ostream& out, std::ostream& err) {
  const std::string code = std::string("(") + k_js_run + ")(" + h.marshal("js", nlohmann::json(source)) + ")";
  const nlohmann::json shown = h.eval("js", code).data.value();
  if (shown.contains("error")) {
    out.flush();
    show_text(err, shown["error"].get<std::string>());
  } else {
    show_text(out, shown.value("value", ""));
  }
}

/// As `promethean repl` with a pipe: the value as JSON, nothing for null.
void meta_run(host& h, const std::string& source, int first_line, std::ostream& out) {
  call_options options;
  options.source_name = "<stdin>";
  options.first_line = first_line;
  const meta_object result = h.eval("meta", source + "\n", options);
  if (!result.data.value().is_null()) out << result.data.value().dump() << "\n";
}

}  // namespace

/// The command's output as it is; a failure's status after it, as shells that show it do.
void repl_evaluator::sh_run(const std::string& source, std::ostream& out, std::ostream& err) {
  const nlohmann::json r = m_shell.run(m_host, source);
  out << r.value("stdout", "");
  out.flush();
  err << r.value("stderr", "");
  const int status = r.value("exit_code", 0);
  if (status != 0) err << "(exit status " << status << ")\n";
}

void repl_evaluator::evaluate_and_show(const std::string& language, const std::string& source, int first_line,
                                       std::ostream& out, std::ostream& err) {
  try {
    if (language == "py") {
      out.flush();
      python_run(m_host, source);
    } else if (language == "js") {
      js_run(m_host, source, out, err);
    } else if (language == "sh") {
      sh_run(source, out, err);
    } else {
      meta_run(m_host, source, first_line, out);
    }
  } catch (const exit_error&) {
    throw;
  } catch (const error& e) {
    out.flush();
    show_text(err, e.describe());
  }
  out.flush();
  err.flush();
}

}  // namespace promethean::cli
