// The terminal REPL's languages and its colon commands: `:py`, `:js`, `:sh`, `:meta` switch the
// language, `:py CODE` runs CODE once in py, `:help` lists them; the prompt names the language.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace promethean::cli {

/// The languages the REPL switches between, in the order :help lists them.
const std::vector<std::string>& repl_languages();

/// What a line typed at the main prompt asks for.
struct repl_line {
  enum class kind {
    code,             ///< `code` in the current language
    switch_language,  ///< `:py`: `language` from now on
    once,             ///< `:py 1+2`: `code` in `language`, this time only
    help,             ///< `:help`
  };
  kind what = kind::code;
  std::string language;
  std::string code;
  std::size_t code_column = 0;  ///< where `code` starts in the line (0-based), for error columns
};

/// Reads a line typed at the main prompt (not a continuation line). A colon word that is no
/// command (`:name`, a meta keyword; `: true`, sh's no-op) is code, as the language reads it.
repl_line parse_repl_line(std::string_view line);

/// "py> ", and for the lines that continue an input "..> ", as wide, so that code lines up.
std::string repl_prompt(std::string_view language);
std::string repl_continuation_prompt(std::string_view language);

/// The text `:help` prints.
std::string repl_help();

}  // namespace promethean::cli
