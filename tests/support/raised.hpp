// Shared by the test suites: the error a call throws, checked to be of the expected class.
#pragma once

#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace promethean::testing_support {

/// The error `f` throws, which must be an `E`; returned as the base class, whose fields (runtime,
/// type, message, trace) are what tests look at. A call that throws nothing is a test failure.
template <class E = error>
error raised(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  ADD_FAILURE() << "no exception of the expected class was thrown";
  return error("", "", "");
}

}  // namespace promethean::testing_support
