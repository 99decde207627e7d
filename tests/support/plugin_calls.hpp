// Shared by the test suites: a plugin loaded once into a Host, and argument lists of JSON values
// and buffers for calls into it.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace promethean::testing_support {

/// Loads the plugin at `path` into `h`'s rust runtime unless a plugin of that name is loaded
/// there already (by this test or an earlier one of the binary): loading twice is an error.
inline void load_plugin_once(host& h, const std::string& path) {
  try {
    h.load("rust", path);
  } catch (const plugin_error& e) {
    if (e.type() != "AlreadyLoaded") throw;
  }
}

/// An argument list, in order: each buffer as its handle (the message holds the buffer), each
/// JSON value as it is.
inline message args_of(std::initializer_list<std::variant<buffer, nlohmann::json>> items) {
  nlohmann::json args = nlohmann::json::array();
  std::vector<buffer> buffers;
  for (const auto& item : items) {
    if (const auto* b = std::get_if<buffer>(&item)) {
      args.push_back(buffer_to_json(*b));
      buffers.push_back(*b);
    } else {
      args.push_back(std::get<nlohmann::json>(item));
    }
  }
  return message(std::move(args), std::move(buffers), {});
}

}  // namespace promethean::testing_support
