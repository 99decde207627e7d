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
  // Evaluates `pending`; false when the input asked to exit.
  auto evaluate = [&]() -> bool {
    call_options options;
    options.source_name = k_source_name;
    options.first_line = first_line;
    try {
      const meta_object result = h.eval("meta", pending, options);
      if (!result.data.value().is_null()) out << result.data.value().dump() << "\n";
      out.flush();
    } catch (const exit_error& e) {
      out.flush();
      exit_status = e.status();
      return false;
    } catch (const error& e) {
      out.flush();
      const std::string text = e.describe();
      err << text << (text.empty() || text.back() != '\n' ? "\n" : "");
      err.flush();
      failed = true;
    }
    pending.clear();
    return true;
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
