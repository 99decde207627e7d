// The indefinite article before a type name in messages: "an Error", "a Map".
#pragma once

#include <string>
#include <string_view>

namespace promethean {

/// `noun` with "a " or "an " before it: "an" before a vowel letter ("an Error", "an object",
/// "an int8"), "a" otherwise ("a Map", "a symbol"). Names that start with a "u" said "you" take
/// "a" ("a uint8", "a Uint8Array", "a UUID", "a Union"): the letters uint, uni and uu. An empty
/// noun gives "a ".
inline std::string with_article(std::string_view noun) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto starts = [&](std::string_view prefix) {
    if (noun.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (lower(noun[i]) != prefix[i]) return false;
    }
    return true;
  };
  const char first = noun.empty() ? '\0' : lower(noun.front());
  const bool you = starts("uni") || starts("uint") || starts("uu");
  const bool vowel = (first == 'a' || first == 'e' || first == 'i' || first == 'o' || first == 'u') && !you;
  std::string out(vowel ? "an " : "a ");
  out += noun;
  return out;
}

}  // namespace promethean
