// The meta language's reader: characters to syntax nodes, positions kept for every error.
#include "reader.hpp"
#include "utf8.hpp"

#include <charconv>
#include <cmath>

namespace promethean::meta {

bool ends_atom(char c) noexcept {
  return c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"' || c == ';' ||
         c == '\'' || c == '`' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

namespace {

/// Thrown at end of input inside an unfinished form; `incomplete()` tells it from other errors.
struct unfinished : script_error {
  using script_error::script_error;
};

class reader {
 public:
  reader(std::string_view src, const std::string& file, int first_line = 1)
      : m_src(src), m_file(file), m_line(first_line) {}

  std::vector<node> all() {
    // Source is UTF-8 text: a stray byte would otherwise reach strings and names, and from them
    // every JSON value and message, which must be UTF-8 (a value that cannot print is no value).
    if (const std::size_t bad = invalid_utf8_at(m_src); bad != std::string_view::npos) {
      while (m_pos < bad) advance();
      fail("SyntaxError", "the source is not UTF-8 (byte 0x" + hex_byte(m_src[bad]) + ")");
    }
    std::vector<node> forms;
    while (true) {
      skip_space();
      if (at_end()) return forms;
      if (is_closer(peek())) {
        m_stray = m_pos;
        fail("SyntaxError", std::string("unexpected '") + peek() + "' (nothing is open)");
      }
      forms.push_back(form());
    }
  }

  /// Where all() met a ')' or ']' that closes nothing (npos if it did not).
  std::size_t stray() const { return m_stray; }

 private:
  bool at_end() const { return m_pos >= m_src.size(); }
  static bool is_closer(char c) { return c == ')' || c == ']' || c == '}'; }
  static char opener_of(char close) { return close == ')' ? '(' : close == ']' ? '[' : '{'; }
  char peek() const { return m_src[m_pos]; }

  source_location here() const { return {m_file, m_line, m_column}; }

  char advance() {
    const char c = m_src[m_pos++];
    if (c == '\n') {
      ++m_line;
      m_column = 1;
    } else {
      ++m_column;
    }
    return c;
  }

  [[noreturn]] void fail(const std::string& type, const std::string& message) const {
    throw script_error(type, message, here());
  }
  [[noreturn]] void fail_at(const source_location& where, const std::string& type, const std::string& message) const {
    throw script_error(type, message, where);
  }

  void skip_space() {
    while (!at_end()) {
      const char c = peek();
      if (c == ';') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else {
        return;
      }
    }
  }

  node wrap(const char* name, const source_location& where) {
    node quoted = form();
    node list{node::kind::list};
    list.where = where;
    node head{node::kind::symbol};
    head.text = name;
    head.where = where;
    list.items.push_back(std::move(head));
    list.items.push_back(std::move(quoted));
    return list;
  }

  node form() {
    skip_space();
    if (at_end()) throw unfinished("SyntaxError", "unexpected end of input", here());
    const source_location where = here();
    // Forms nest by recursion here (and in every later walk): a bound, not a stack overflow.
    if (m_depth >= k_max_nesting) {
      fail("SyntaxError", "forms nested deeper than " + std::to_string(k_max_nesting) + " levels");
    }
    ++m_depth;
    struct unwind {
      int& depth;
      ~unwind() { --depth; }
    } guard{m_depth};
    const char c = peek();
    switch (c) {
      case '(': return sequence(node::kind::list, ')', where);
      case '[': return sequence(node::kind::array, ']', where);
      case '{': return object_literal(where);
      case ')':
      case ']':
      case '}': fail("SyntaxError", std::string("unexpected '") + c + "'");
      case '"': return string(where);
      case '\'':
        advance();
        return quoted("quote", where);
      case '`':
        advance();
        return quoted("quasiquote", where);
      case ',':
        advance();
        if (!at_end() && peek() == '@') {
          advance();
          return quoted("unquote-splicing", where);
        }
        return quoted("unquote", where);
      default: return atom(where);
    }
  }

  node quoted(const char* name, const source_location& where) {
    skip_space();
    if (at_end()) throw unfinished("SyntaxError", std::string("nothing after ") + name, where);
    return wrap(name, where);
  }

  node sequence(node::kind type, char close, const source_location& where) {
    advance();  // the opener
    node n{type};
    n.where = where;
    while (!closed(close, where)) n.items.push_back(form());
    return n;
  }

  /// Past whitespace, true (and past it) at `close`; an end of input or another closer is an error.
  bool closed(char close, const source_location& where) {
    skip_space();
    if (at_end()) {
      throw unfinished("SyntaxError",
                       std::string("unclosed '") + opener_of(close) + "' opened at line " +
                           std::to_string(where.line) + ", column " + std::to_string(where.column),
                       where);
    }
    const char c = peek();
    if (c == close) {
      advance();
      return true;
    }
    if (is_closer(c)) {
      fail("SyntaxError", std::string("'") + c + "' closes the '" + opener_of(close) + "' opened at line " +
                              std::to_string(where.line) + ", column " + std::to_string(where.column) +
                              ", which needs '" + close + "'");
    }
    return false;
  }

  /// {:k v, :k2 v2}: the seed's object literal, read as (object :k v :k2 v2). Commas separate pairs
  /// as in the seed, and are optional; a comma written after whitespace and before a form is still
  /// an unquote (`{:k ,x}` in a quasiquote), so a template can fill a literal in.
  node object_literal(const source_location& where) {
    advance();  // the '{'
    node n{node::kind::list};
    n.where = where;
    node head{node::kind::symbol};
    head.text = "object";
    head.where = where;
    n.items.push_back(std::move(head));
    std::size_t item_end = std::string_view::npos;  // where the last item ended
    while (!closed('}', where)) {
      if (peek() == ',') {
        const char next = m_pos + 1 < m_src.size() ? m_src[m_pos + 1] : ' ';
        const bool separator = m_pos == item_end || next == ' ' || next == '\t' || next == '\n' || next == '\r' ||
                               next == ',' || next == '}' || next == ';';
        if (separator) {
          advance();
          continue;
        }
      }
      n.items.push_back(form());
      item_end = m_pos;
    }
    if (n.items.size() % 2 == 0) {
      fail_at(where, "SyntaxError", "an object literal {…} takes key value pairs, got " +
                                        std::to_string(n.items.size() - 1) + " items");
    }
    return n;
  }

  static std::string hex_byte(char c) {
    const char* digits = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(c);
    return {digits[b >> 4], digits[b & 0xF]};
  }

  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) throw unfinished("SyntaxError", "unterminated \\u escape", here());
      const char c = advance();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("SyntaxError", std::string("invalid hex digit '") + c + "' in a \\u escape");
    }
    return v;
  }

  node string(const source_location& where) {
    advance();  // the opening quote
    node n{node::kind::string};
    n.where = where;
    while (true) {
      if (at_end()) {
        throw unfinished("SyntaxError",
                         "unterminated string opened at line " + std::to_string(where.line) + ", column " +
                             std::to_string(where.column),
                         where);
      }
      const char c = advance();
      if (c == '"') return n;
      if (c != '\\') {
        n.text += c;
        continue;
      }
      if (at_end()) throw unfinished("SyntaxError", "unterminated escape", where);
      const source_location escape_at = here();
      const char e = advance();
      switch (e) {
        case 'n': n.text += '\n'; break;
        case 't': n.text += '\t'; break;
        case 'r': n.text += '\r'; break;
        case 'b': n.text += '\b'; break;  // \b and \f: JSON's, which marshal("meta") writes
        case 'f': n.text += '\f'; break;
        case '"': n.text += '"'; break;
        case '\\': n.text += '\\'; break;
        case '/': n.text += '/'; break;
        case '0': n.text += '\0'; break;
        case 'u': {
          // A surrogate is half of a pair (\uD83D\uDE00, as JSON writes one code point past
          // U+FFFF); alone it has no UTF-8 form, and a string holding it could not cross as JSON.
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && m_src.substr(m_pos, 2) == "\\u") {
            advance();
            advance();
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) {
              fail_at(escape_at, "SyntaxError", "a \\u escape of a high surrogate must be followed by a low one");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            fail_at(escape_at, "SyntaxError", "a lone surrogate in a \\u escape (it has no UTF-8 form)");
          }
          append_utf8(n.text, cp);
          break;
        }
        default: fail_at(escape_at, "SyntaxError", std::string("unknown escape '\\") + e + "' in a string");
      }
    }
  }

  node atom(const source_location& where) {
    const std::size_t start = m_pos;
    while (!at_end() && !ends_atom(peek())) advance();
    const std::string_view word = m_src.substr(start, m_pos - start);
    node n;
    n.where = where;
    if (word == "true" || word == "false") {
      n.type = node::kind::boolean;
      n.boolean = word == "true";
      return n;
    }
    if (word == "null") return n;
    if (word.size() > 1 && word[0] == ':') {
      n.type = node::kind::keyword;
      n.text = std::string(word.substr(1));
      return n;
    }
    if (looks_numeric(word)) return number(word, where);
    n.type = node::kind::symbol;
    n.text = std::string(word);
    return n;
  }

  static bool looks_numeric(std::string_view w) {
    std::size_t i = (w[0] == '-' || w[0] == '+') ? 1 : 0;
    return i < w.size() && ((w[i] >= '0' && w[i] <= '9') || (w[i] == '.' && i + 1 < w.size() && w[i + 1] >= '0' && w[i + 1] <= '9'));
  }

  node number(std::string_view word, const source_location& where) const {
    node n;
    n.where = where;
    std::string_view digits = word[0] == '+' ? word.substr(1) : word;
    const bool real = digits.find_first_of(".eE") != std::string_view::npos;
    if (!real) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc() && end == digits.data() + digits.size()) {
        n.type = node::kind::integer;
        n.integer = v;
        return n;
      }
      if (ec == std::errc::result_out_of_range) {
        fail_at(where, "SyntaxError", "integer " + std::string(word) + " does not fit in 64 bits");
      }
    } else {
      double v = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc() && end == digits.data() + digits.size() && std::isfinite(v)) {
        n.type = node::kind::real;
        n.real = v;
        return n;
      }
    }
    fail_at(where, "SyntaxError", "'" + std::string(word) + "' is not a number");
  }

  int m_depth = 0;  ///< forms open around the one being read
  std::string_view m_src;
  const std::string& m_file;
  std::size_t m_pos = 0;
  std::size_t m_stray = std::string_view::npos;
  int m_line = 1;
  int m_column = 1;
};

void show_into(const node& n, std::string& out) {
  switch (n.type) {
    case node::kind::null: out += "null"; return;
    case node::kind::boolean: out += n.boolean ? "true" : "false"; return;
    case node::kind::integer: out += std::to_string(n.integer); return;
    case node::kind::real: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n.real);
      const std::string_view text(buf, ec == std::errc() ? static_cast<std::size_t>(end - buf) : 0);
      out += text;
      // The shortest form of an integral real may be all digits ("123456789012345683968"), which
      // reads back as an integer, or fails to as one past 64 bits: keep it a real.
      if (!text.empty() && text.find_first_not_of("-0123456789") == std::string_view::npos) out += ".0";
      return;
    }
    case node::kind::string: {
      out += '"';
      for (char c : n.text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      out += '"';
      return;
    }
    case node::kind::keyword: out += ":" + n.text; return;
    case node::kind::symbol: out += n.text; return;
    case node::kind::list:
    case node::kind::array: {
      out += n.type == node::kind::list ? '(' : '[';
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ' ';
        show_into(n.items[i], out);
      }
      out += n.type == node::kind::list ? ')' : ']';
      return;
    }
  }
}

}  // namespace

std::string node::show() const {
  std::string out;
  show_into(*this, out);
  return out;
}

std::vector<node> read_all(std::string_view source, const std::string& file, int first_line) {
  return reader(source, file, first_line).all();
}

std::size_t stray_closer(std::string_view source) {
  static const std::string file = "<input>";
  reader r(source, file);
  try {
    r.all();
  } catch (const script_error&) {
    return r.stray();
  }
  return std::string_view::npos;
}

std::string incomplete(std::string_view source) {
  static const std::string file = "<input>";
  try {
    reader(source, file).all();
    return {};
  } catch (const unfinished& e) {
    return e.message();
  } catch (const script_error&) {
    return {};  // a real error: complete enough to report it
  }
}

}  // namespace promethean::meta
