// Shared by the test suites: a runaway function, called through a resolved callable with a short
// timeout, is stopped and fails as host.call's timeout does.
#pragma once

#include "raised.hpp"

#include <promethean/error.hpp>
#include <promethean/host/callable.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace promethean::testing_support {

/// Calls `spin` (which never returns by itself) with a 100 ms timeout: it must fail, well within
/// 5 s, with a timeout_error of `runtime` whose message names `function`.
inline void expect_stopped_by_timeout(const callable& spin, const std::string& runtime, const std::string& function) {
  call_options quick;
  quick.timeout = std::chrono::milliseconds(100);
  const auto start = std::chrono::steady_clock::now();
  auto t = raised<timeout_error>([&] { spin({}, quick); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(t.runtime(), runtime);
  EXPECT_NE(t.message().find(function), std::string::npos) << t.message();
}

}  // namespace promethean::testing_support
