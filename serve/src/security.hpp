// The checks an upgrade request passes before it becomes a WebSocket: the token, the Origin.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace promethean::serve::detail {

/// A fresh token: `bytes` random bytes from getrandom (the kernel's CSPRNG), as lowercase hex.
std::string make_token(std::size_t bytes = 24);

/// Equal without a timing signal about where they differ (the time depends only on the lengths).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// The token a request carries: the `token` query parameter of `target` (percent-decoded), else
/// an `Authorization: token T` / `Authorization: Bearer T` header value; empty when none.
std::string token_of(std::string_view target, std::string_view authorization);

/// The Origin policy: no Origin (not a browser) passes; a browser's must be one of `allowed`
/// (the server's own origin and those given with --allow-origin), compared exactly, ASCII case
/// aside.
bool origin_allowed(std::string_view origin, bool has_origin, const std::vector<std::string>& allowed);

/// `target`'s path without its query, percent-decoded; empty when the encoding is bad.
std::string path_of(std::string_view target);

}  // namespace promethean::serve::detail
