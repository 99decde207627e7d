// UTF-8 encoding of one code point, for the meta reader's \u escapes and its string operations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace promethean::meta {

/// Appends `cp` (a Unicode scalar value) to `out` as UTF-8.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// The offset of the first byte of `s` that is not part of well-formed UTF-8 (an overlong form, a
/// surrogate, a code point past U+10FFFF, a cut sequence), or npos when `s` is all UTF-8.
inline std::size_t invalid_utf8_at(std::string_view s) noexcept {
  auto continuation = [&](std::size_t i) { return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t length = 0;
    unsigned char low = 0x80;  // the bounds of the second byte, narrower after E0, ED, F0, F4
    unsigned char high = 0xBF;
    if (c < 0x80) length = 1;
    else if (c >= 0xC2 && c <= 0xDF) length = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (length > 1) {
      const auto second = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
      if (second < low || second > high) return i;
      for (std::size_t k = 2; k < length; ++k) {
        if (!continuation(i + k)) return i;
      }
    }
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace promethean::meta
