// Private: the built-in `sh` runtime.
#pragma once

#include <promethean/host/runtime.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace promethean {
class host;

namespace detail {

/// `/bin/sh` child processes as a runtime. Each eval, call or message runs a fresh `/bin/sh -c`
/// whose script starts with every function defined so far (sh:fn, load), so definitions persist
/// across calls the way they would in one long shell session, without sharing a process.
/// Thread-safe: definitions are guarded, and calls share nothing else.
class shell_runtime final : public runtime {
 public:
  /// Calls that give no timeout get this one.
  static constexpr std::chrono::milliseconds k_default_timeout{std::chrono::minutes(5)};

  std::string_view name() const noexcept override { return "sh"; }
  std::string version() const override;
  nlohmann::json describe() const override;
  /// {"stdout", "stderr", "exit_code"}; a non-zero exit status is a result, not an error.
  message eval(std::string_view code, const call_options& options) override;
  /// Runs a defined function or a command on PATH with the arguments as words (never re-parsed
  /// by the shell); returns its stdout without the final newline; non-zero exit is an error.
  message call(std::string_view function, const message& args, const call_options& options) override;
  void define(const function_definition& definition) override;
  /// Checks the file's syntax (`sh -n`) and adds its text to the prelude of later calls.
  void load(const std::filesystem::path& path) override;
  std::string marshal(const nlohmann::json& value) const override;
  /// Writes the JSON to the handler command's stdin and parses its stdout as the JSON reply
  /// (empty output: null).
  message send_json(const message& payload, const call_options& options) override;
  void set_message_handler(std::string_view command) override;
  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override;

 private:
  std::string prelude() const;
  mutable std::mutex m_mutex;
  std::map<std::string, function_definition> m_functions;
  std::vector<std::string> m_loaded_sources;
  std::string m_handler;
};

std::unique_ptr<runtime> make_shell_runtime(host& h);

}  // namespace detail
}  // namespace promethean
