#include "repl.hpp"

#include <promethean/error.hpp>
#include <promethean/host/meta_input.hpp>

#include <optional>
#include <string>

namespace promethean::cli {

namespace {

constexpr const char* k_prompt = "sib> ";
constexpr const char* k_continuation = "...> ";
constexpr const char* k_source_name = "<stdin>";

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

int run_repl(host& h, std::istream& in, std::ostream& out, std::ostream& err, bool interactive) {
  if (interactive) out << "promethean " << PROMETHEAN_VERSION_STRING << " meta REPL; Ctrl-D exits\n";
  bool failed = false;
  std::string pending;  // the lines of the form being read
  int line = 0;         // lines read so far
  int first_line = 1;   // the line `pending` starts on

  std::optional<int> exit_status;
  auto report = [&](const error& e) {
    out.flush();
    const std::string text = e.describe();
    err << text << (text.empty() || text.back() != '\n' ? "\n" : "");
    err.flush();
    failed = true;
  };
  // Evaluates `source` (which starts on `first_line`); false when the input asked to exit.
  auto evaluate_text = [&](const std::string& source) -> bool {
    call_options options;
    options.source_name = k_source_name;
    options.first_line = first_line;
    try {
      const meta_object result = h.eval("meta", source, options);
      if (!result.data.value().is_null()) out << result.data.value().dump() << "\n";
      out.flush();
    } catch (const exit_error& e) {
      out.flush();
      exit_status = e.status();
      return false;
    } catch (const error& e) {
      report(e);
    }
    return true;
  };
  // Evaluates `pending`. A ')' that closes nothing does not take the forms before it down: they
  // run, then it is reported, then what follows it runs (blanked out, not cut, so that later
  // errors keep their line and column).
  auto evaluate = [&]() -> bool {
    for (std::size_t stray = meta_input_stray_closer(pending); stray != std::string::npos;
         stray = meta_input_stray_closer(pending)) {
      if (!blank(pending.substr(0, stray)) && !evaluate_text(pending.substr(0, stray))) return false;
      int stray_line = first_line;
      std::size_t line_start = 0;
      for (std::size_t i = 0; i < stray; ++i) {
        if (pending[i] == '\n') {
          ++stray_line;
          line_start = i + 1;
        }
      }
      report(script_error("SyntaxError", std::string("unexpected '") + pending[stray] + "' (nothing is open)",
                          source_location{k_source_name, stray_line, static_cast<int>(stray - line_start) + 1}));
      for (std::size_t i = 0; i <= stray; ++i) {
        if (pending[i] != '\n') pending[i] = ' ';
      }
    }
    const bool go_on = blank(pending) || evaluate_text(pending);
    pending.clear();
    return go_on;
  };

  std::string text;
  while (true) {
    if (interactive) out << (pending.empty() ? k_prompt : k_continuation) << std::flush;
    if (!std::getline(in, text)) break;
    ++line;
    if (pending.empty()) {
      if (blank(text)) continue;
      first_line = line;
    }
    pending += text;
    pending += '\n';
    if (meta_input_incomplete(pending).empty() && !evaluate()) return *exit_status;
  }
  if (interactive) out << "\n";
  // Input ended inside a form: evaluating it reports where the open form began.
  if (!blank(pending) && !evaluate()) return *exit_status;
  return failed && !interactive ? 1 : 0;
}

}  // namespace promethean::cli
