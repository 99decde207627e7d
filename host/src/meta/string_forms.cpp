// The meta language's string operations: split, join, upper, lower, replace, starts-with?,
// ends-with?, and strings counted in characters (code points), as Python counts them.
#include "evaluator.hpp"

#include "forms.hpp"
#include "utf8.hpp"

#include <promethean/error.hpp>

#include <cctype>
#include <clocale>
#include <cwctype>
#include <locale.h>
#include <string>

namespace promethean::meta {

namespace detail {
namespace {
bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// The byte offset of code point `index` (the size of `s` past its end).
std::size_t byte_offset(const std::string& s, std::size_t index) {
  std::size_t pos = 0;
  for (std::size_t seen = 0; pos < s.size(); ++pos) {
    if (!continuation(static_cast<unsigned char>(s[pos]))) {
      if (seen == index) return pos;
      ++seen;
    }
  }
  return s.size();
}
}  // namespace

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) n += continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

std::string utf8_slice(const std::string& s, std::size_t start, std::size_t end) {
  if (end <= start) return {};
  const std::size_t from = byte_offset(s, start);
  return s.substr(from, byte_offset(s, end) - from);
}
}  // namespace detail

using namespace detail;

namespace {
const std::string& text_of(const message& m, const node& at, const char* form) {
  if (!m.value().is_string()) fail(at, "TypeError", std::string("(") + form + " …) needs a string, got " + m.dump().substr(0, 200));
  return m.value().get_ref<const std::string&>();
}

// UTF-8 <-> code points, for case mapping (invalid bytes pass through as themselves).
std::u32string decode(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    std::size_t j = 1;
    for (; j <= static_cast<std::size_t>(extra) && i + j < s.size() && continuation(static_cast<unsigned char>(s[i + j])); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    }
    out.push_back(cp);
    i += j;
  }
  return out;
}

std::string encode(const std::u32string& cps) {
  std::string out;
  for (const char32_t cp : cps) append_utf8(out, static_cast<std::uint32_t>(cp));
  return out;
}

/// Case mapping by the C.UTF-8 locale's tables (every script, not only ASCII), whatever the
/// process's own locale is; ASCII only where that locale is missing.
std::string map_case(const std::string& s, bool upper) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  std::u32string cps = decode(s);
  for (auto& cp : cps) {
    if (utf8) {
      cp = static_cast<char32_t>(upper ? towupper_l(static_cast<wint_t>(cp), utf8) : towlower_l(static_cast<wint_t>(cp), utf8));
    } else if (cp < 0x80) {
      cp = static_cast<char32_t>(upper ? std::toupper(static_cast<int>(cp)) : std::tolower(static_cast<int>(cp)));
    }
  }
  return encode(cps);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

void evaluator::install_string_forms() {
  // (split s sep?): the pieces between separators; without one, the words between runs of
  // whitespace (as Python's str.split()); with "", the characters.
  m_builtins["split"] = [](std::vector<message>& args, const node& n) -> message {
    if (args.empty() || args.size() > 2) fail(n, "ArityError", "(split text separator?) takes one or two arguments");
    const std::string& s = text_of(args[0], n, "split");
    nlohmann::json pieces = nlohmann::json::array();
    if (args.size() == 1) {
      std::size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j])) ++j;
        if (j > i) pieces.push_back(s.substr(i, j - i));
        i = j;
      }
      return message(std::move(pieces));
    }
    const std::string& sep = text_of(args[1], n, "split");
    if (sep.empty()) {
      const std::size_t count = utf8_length(s);
      for (std::size_t i = 0; i < count; ++i) pieces.push_back(utf8_slice(s, i, i + 1));
      return message(std::move(pieces));
    }
    std::size_t from = 0;
    for (std::size_t at = s.find(sep); at != std::string::npos; at = s.find(sep, from)) {
      pieces.push_back(s.substr(from, at - from));
      from = at + sep.size();
    }
    pieces.push_back(s.substr(from));
    return message(std::move(pieces));
  };
  // (join sep items): the items shown as `str` shows them, with sep between.
  m_builtins["join"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "join");
    const std::string& sep = text_of(args[0], n, "join");
    if (!args[1].value().is_array()) fail(n, "TypeError", "(join separator items) needs a list, got " + args[1].dump().substr(0, 200));
    std::string out;
    bool first = true;
    for (const auto& item : args[1].value()) {
      out += (first ? "" : sep) + display(item);
      first = false;
    }
    return message(nlohmann::json(out));
  };
  m_builtins["upper"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "upper");
    return message(nlohmann::json(map_case(text_of(args[0], n, "upper"), true)));
  };
  m_builtins["lower"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 1, n, "lower");
    return message(nlohmann::json(map_case(text_of(args[0], n, "lower"), false)));
  };
  // (replace s old new): every occurrence of old, left to right.
  m_builtins["replace"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 3, n, "replace");
    const std::string& s = text_of(args[0], n, "replace");
    const std::string& from = text_of(args[1], n, "replace");
    const std::string& to = text_of(args[2], n, "replace");
    if (from.empty()) fail(n, "ValueError", "(replace text old new) needs a non-empty old");
    std::string out;
    std::size_t pos = 0;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, pos)) {
      out += s.substr(pos, at - pos) + to;
      pos = at + from.size();
    }
    return message(nlohmann::json(out + s.substr(pos)));
  };
  m_builtins["starts-with?"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "starts-with?");
    const std::string& s = text_of(args[0], n, "starts-with?");
    const std::string& prefix = text_of(args[1], n, "starts-with?");
    return message(nlohmann::json(s.compare(0, prefix.size(), prefix) == 0 && s.size() >= prefix.size()));
  };
  m_builtins["ends-with?"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "ends-with?");
    const std::string& s = text_of(args[0], n, "ends-with?");
    const std::string& suffix = text_of(args[1], n, "ends-with?");
    return message(nlohmann::json(s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0));
  };
  // (contains? whole part): a substring of a string, an element of a list, a key of an object.
  m_builtins["contains?"] = [](std::vector<message>& args, const node& n) -> message {
    check_arity(args, 2, n, "contains?");
    const auto& whole = args[0].value();
    const auto& part = args[1].value();
    if (whole.is_string()) return message(nlohmann::json(whole.get_ref<const std::string&>().find(text_of(args[1], n, "contains?")) != std::string::npos));
    if (whole.is_array()) {
      for (const auto& item : whole) {
        if (item == part) return message(nlohmann::json(true));
      }
      return message(nlohmann::json(false));
    }
    if (whole.is_object()) return message(nlohmann::json(whole.contains(key_of(args[1], n))));
    fail(n, "TypeError", "(contains? whole part) needs a string, a list or an object, got " + whole.dump().substr(0, 200));
  };
}

}  // namespace promethean::meta
