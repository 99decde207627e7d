// Private: a runtime that lives in another process, reached over a peer_link.
#pragma once

#include "peer_link.hpp"

#include <promethean/host/runtime.hpp>

#include <memory>
#include <string>

namespace promethean::detail {

/// Forwards every runtime operation to runtime `target()` of the process at the other end of
/// `link()`: what `py@1` is in the host (remote_runtime.hpp) and what the host's runtimes are in a
/// worker (worker.cpp). Calls of functions that process lent (proxies) go by their token.
class link_runtime : public runtime {
 public:
  explicit link_runtime(std::string name) : m_name(std::move(name)) {}

  std::string_view name() const noexcept override { return m_name; }
  std::string version() const override;
  nlohmann::json describe() const override;
  message eval(std::string_view code, const call_options& options) override;
  message call(std::string_view function, const message& args, const call_options& options) override;
  std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                           const call_options& options) override;
  std::shared_ptr<pending_call> eval_async(std::string_view code, const call_options& options) override;
  void define(const function_definition& definition) override;
  void load(const std::filesystem::path& path) override;
  std::string marshal(const nlohmann::json& value) const override;
  message send_json(const message& payload, const call_options& options) override;
  void set_message_handler(std::string_view handler) override;
  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override;
  void interrupt() override { cancel_calls(); }
  void cancel_calls() override;

 protected:
  /// The connection to use now (a remote runtime starts its process here, again after a crash).
  virtual std::shared_ptr<peer_link> link() const = 0;
  /// The runtime's name in that process.
  virtual std::string target() const = 0;
  /// The connection, if there is one, without starting anything.
  virtual std::shared_ptr<peer_link> current_link() const = 0;
  /// Runs a request, waited for; errors as the other process reported them, with `context`.
  message run(nlohmann::json head, const message& payload) const;
  std::shared_ptr<pending_call> run_async(nlohmann::json head, const message& payload) const;
  std::shared_ptr<pending_call> run_async(const std::shared_ptr<peer_link>& l, nlohmann::json head,
                                          const message& payload) const;
  /// Says where an error from the other process came from (a remote runtime names its process).
  virtual std::exception_ptr in_context(std::exception_ptr e) const { return e; }

 private:
  nlohmann::json head(const char* op, const call_options* options = nullptr) const;
  std::string m_name;
};

}  // namespace promethean::detail
