// What every harness asserts with: a failed property prints what broke and aborts, which libFuzzer
// reports as a crash and keeps the input (docs/RELIABILITY.md, "Fuzzing": a finding, once fixed,
// becomes fuzz/regressions/<target>/).
#pragma once

#include <promethean/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace promethean::fuzz {

[[noreturn]] inline void broken(const char* property, const std::string& detail) {
  std::fprintf(stderr, "\n== FUZZ PROPERTY BROKEN: %s\n%s\n", property, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

/// Runs `body`; an error of Promethean's family is an accepted outcome (returned as false), any other
/// exception breaks the property "bad input gives the project's error types, never other exceptions".
template <class F>
bool only_promethean_errors(const char* what, F&& body) {
  try {
    body();
    return true;
  } catch (const promethean::error& e) {
    if (e.type().empty()) broken(what, "an error without a type: " + e.describe());
    return false;
  } catch (const std::exception& e) {
    broken(what, std::string("an exception outside Promethean's error family escaped: ") + e.what());
  } catch (...) {
    broken(what, "a non-std exception escaped");
  }
}

/// Fuzz bytes as text, cut at `max_len` (the harnesses run with -max_len too; this bounds replays).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size, std::size_t max_len) {
  return {reinterpret_cast<const char*>(data), size < max_len ? size : max_len};
}

}  // namespace promethean::fuzz

#define PM_FUZZ_CHECK(cond, detail)                                        \
  do {                                                                     \
    if (!(cond)) ::promethean::fuzz::broken(#cond, (detail));              \
  } while (0)
