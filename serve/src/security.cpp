// Token, Origin and path checks of the server: the only gate between the network and the router.
#include "security.hpp"

#include <promethean/error.hpp>

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace promethean::serve::detail {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Percent-decodes `text` ('+' is a space in a query); false on a bad escape.
bool percent_decode(std::string_view text, bool plus_is_space, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string make_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error("host", "OSError", std::string("getrandom failed: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    hex.push_back(digits[u >> 4]);
    hex.push_back(digits[u & 0xf]);
  }
  return hex;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Every byte of the longer string is read whatever the contents: no early exit.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0U : 1U;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0U;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0U;
    diff |= x ^ y;
  }
  return diff == 0;
}

std::string token_of(std::string_view target, std::string_view authorization) {
  const auto q = target.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != "token") continue;
      std::string value;
      if (percent_decode(pair.substr(eq + 1), true, value)) return value;
      return {};
    }
  }
  for (const std::string_view scheme : {std::string_view("token "), std::string_view("bearer ")}) {
    if (authorization.size() > scheme.size() && iequal(authorization.substr(0, scheme.size()), scheme)) {
      return std::string(authorization.substr(scheme.size()));
    }
  }
  return {};
}

bool origin_allowed(std::string_view origin, bool has_origin, const std::vector<std::string>& allowed) {
  if (!has_origin) return true;
  for (const auto& a : allowed) {
    if (iequal(origin, a)) return true;
  }
  return false;
}

std::string path_of(std::string_view target) {
  const auto q = target.find('?');
  std::string path;
  if (!percent_decode(target.substr(0, q), false, path)) return {};
  return path;
}

}  // namespace promethean::serve::detail
