// Private: the meta language's reader. Source text → syntax nodes, each with its line and column.
//
// Syntax (Sibilant-flavoured): lists `( )`, arrays `[ ]`, object literals `{:k v, :k2 v2}` (read as
// the list (object :k v :k2 v2); commas between pairs optional), strings "…" with JSON's escapes
// (\n \t \r \b \f \" \\ \/ \uXXXX, surrogates only in pairs) and \0, numbers (integers,
// decimals, exponents), `true` `false` `null`, keywords `:name`,
// symbols (any other run of characters, dots allowed: `buffer.shape`, `py:fn`), `;` comments to
// the end of the line, and the quote family: 'x → (quote x), `x → (quasiquote x), ,x → (unquote x),
// ,@x → (unquote-splicing x). Errors are script_errors carrying file, line and column.
#pragma once

#include <promethean/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace promethean::meta {

struct node {
  enum class kind { null, boolean, integer, real, string, keyword, symbol, list, array };
  kind type = kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;         ///< string contents, keyword name (without ':'), symbol name
  std::vector<node> items;  ///< list and array elements
  source_location where;

  bool is_symbol(std::string_view name) const { return type == kind::symbol && text == name; }
  /// The node as source text again (for error messages and the REPL).
  std::string show() const;
};

/// How deep code may nest: the reader refuses deeper forms (a SyntaxError), and code-as-data and
/// the renderer, which walk forms recursively, refuse deeper values (a RecursionError), so that no
/// walk overflows the native stack. Far beyond what anyone writes by hand.
constexpr int k_max_nesting = 1000;

/// Every top-level form of `source`. `file` names the source in errors.
/// `first_line` is the line number of the source's first line (a REPL reads a script piecewise).
std::vector<node> read_all(std::string_view source, const std::string& file, int first_line = 1);

/// Why `source` is not yet a complete set of forms (an open list or string), or empty when it is:
/// the REPL reads more lines while this is non-empty.
std::string incomplete(std::string_view source);

/// The offset of the first ')' or ']' that closes nothing, after forms that read well; npos when
/// there is none. A REPL evaluates what comes before it, then reports it.
std::size_t stray_closer(std::string_view source);

/// True for a character that ends an atom (a symbol, keyword or number): whitespace, brackets, braces,
/// quotes, `;` and the quote/unquote marks. Code-as-data uses it to tell which strings read back
/// as keywords.
bool ends_atom(char c) noexcept;

}  // namespace promethean::meta
