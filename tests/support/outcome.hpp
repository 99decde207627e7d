// Shared by the test suites: what a call gave, as text, so that two ways of making the same call
// (a resolved callable and host.call, a typed and a JSON path) can be compared whole.
#pragma once

#include <promethean/error.hpp>
#include <promethean/host/message.hpp>

#include <functional>
#include <string>

namespace promethean::testing_support {

/// The call's result as JSON text, or its error's runtime, type and message.
inline std::string outcome(const std::function<message()>& call) {
  try {
    return call().dump();
  } catch (const error& e) {
    return "error " + e.runtime() + " " + e.type() + ": " + e.message();
  }
}

}  // namespace promethean::testing_support
