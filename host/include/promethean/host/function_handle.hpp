/// Function handles: a callable living in one runtime, named in messages as
/// {"_type": "Function", "runtime": "js", "function_id": "f3", "name": "onFrame"}.
///
/// Ownership: the runtime that made the handle keeps the callable alive (a Python object
/// reference, a v8::Global, a plugin function pointer) until the last `function_ref` to the handle
/// is gone; then `release` runs once, on whichever thread that is (so it must only queue work that
/// needs a runtime lock, like a buffer release). Thread-safe to copy and read.
#pragma once

#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace promethean {

class PROMETHEAN_API function_handle {
 public:
  /// Registers a new handle in the process-wide table under a fresh id ("f<serial>").
  static std::shared_ptr<const function_handle> create(std::string runtime, std::string name,
                                                       std::function<void()> release = {});

  /// The live handle with this id, or null.
  static std::shared_ptr<const function_handle> find(std::string_view id);

  const std::string& runtime() const noexcept { return m_runtime; }
  const std::string& id() const noexcept { return m_id; }
  const std::string& name() const noexcept { return m_name; }

  nlohmann::json to_json() const;
  static bool is_handle(const nlohmann::json& j) noexcept;

  ~function_handle();
  function_handle(const function_handle&) = delete;
  function_handle& operator=(const function_handle&) = delete;

 private:
  function_handle(std::string runtime, std::string id, std::string name, std::function<void()> release);
  std::string m_runtime;
  std::string m_id;
  std::string m_name;
  std::function<void()> m_release;
};

using function_ref = std::shared_ptr<const function_handle>;

}  // namespace promethean
