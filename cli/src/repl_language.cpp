// The terminal REPL's languages and colon commands (repl_language.hpp).
#include "repl_language.hpp"

#include <algorithm>

namespace promethean::cli {

const std::vector<std::string>& repl_languages() {
  static const std::vector<std::string> languages{"meta", "py", "js", "sh"};
  return languages;
}

repl_line parse_repl_line(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] != ':') return {repl_line::kind::code, {}, std::string(line)};
  const std::string_view rest = line.substr(start + 1);
  const auto word_end = std::min(rest.find_first_of(" \t"), rest.size());
  const std::string word(rest.substr(0, word_end));
  const auto code_start = rest.find_first_not_of(" \t", word_end);
  const std::string code = code_start == std::string_view::npos ? std::string() : std::string(rest.substr(code_start));
  if (word == "help" && code.empty()) return {repl_line::kind::help, {}, {}};
  const auto& languages = repl_languages();
  if (std::find(languages.begin(), languages.end(), word) == languages.end()) {
    return {repl_line::kind::code, {}, std::string(line)};
  }
  if (code.empty()) return {repl_line::kind::switch_language, word, {}};
  return {repl_line::kind::once, word, code, start + 1 + code_start};
}

std::string repl_prompt(std::string_view language) { return std::string(language) + "> "; }

std::string repl_continuation_prompt(std::string_view language) {
  return std::string(language.size(), '.') + "> ";
}

std::string repl_help() {
  return ":meta :py :js :sh   switch to that language (the prompt names it)\n"
         ":py CODE            run CODE in py this once (likewise :js, :sh, :meta)\n"
         ":help               this text\n"
         "Each runtime keeps its globals across lines (sh: its variables, exports and working\n"
         "directory). Input goes on while it is incomplete: a Python block ends on an empty line;\n"
         "JS, meta and sh go on while a bracket, string or block is open. Ctrl-C clears the line\n"
         "or stops the code running; Ctrl-D exits.\n";
}

}  // namespace promethean::cli
