// A connected client as a runtime of the host: what `promethean.call("web", "draw", img)` reaches.
#pragma once

#include <promethean/host/host.hpp>
#include <promethean/host/pending_call.hpp>
#include <promethean/host/runtime.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace promethean::serve::detail {

/// The connection side of a client runtime: sends a call or a message to the client and settles
/// the pending call with its reply (or "Disconnected" when the connection ends first). Any thread.
class client_link {
 public:
  virtual ~client_link() = default;
  /// `kind` is "call" (`function`, `args`) or "message" (`args` is the payload).
  virtual std::shared_ptr<pending_call> send_to_client(const std::string& kind, const std::string& function,
                                                       const message& args) = 0;
};

/// One client name's state, shared by its runtime in the host (which lives as long as the host)
/// and the connection now holding the name (which comes and goes). Thread-safe.
class client_slot {
 public:
  explicit client_slot(std::string name) : m_name(std::move(name)) {}
  const std::string& name() const noexcept { return m_name; }

  /// Takes the name for `link`; false when another live connection holds it.
  bool attach(const std::shared_ptr<client_link>& link);
  /// Lets the name go, if `link` holds it; its exports go with it.
  void detach(const client_link* link);
  void add_export(const std::string& function);

  /// The connection and a check that it exports `function`: throws the error a caller should see
  /// (NotConnected, or a usage_error listing what it exports).
  std::shared_ptr<client_link> link_for(const std::string& function) const;
  std::shared_ptr<client_link> link() const;

 private:
  std::string m_name;
  mutable std::mutex m_mutex;
  std::weak_ptr<client_link> m_link;
  std::set<std::string> m_exports;
};

/// The runtime the host holds for a client name: calls and messages go to the connection that
/// holds the name now. It evaluates no code and loads nothing (a clear usage_error says so).
class client_runtime final : public runtime {
 public:
  explicit client_runtime(std::shared_ptr<client_slot> slot) : m_slot(std::move(slot)) {}

  std::string_view name() const noexcept override { return m_slot->name(); }
  std::string version() const override;
  nlohmann::json describe() const override;
  message eval(std::string_view code, const call_options& options) override;
  message call(std::string_view function, const message& args, const call_options& options) override;
  std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                           const call_options& options) override;
  void define(const function_definition& definition) override;
  void load(const std::filesystem::path& path) override;
  std::string marshal(const nlohmann::json& value) const override;
  message send_json(const message& payload, const call_options& options) override;
  void set_message_handler(std::string_view handler) override;
  int run_script(const std::filesystem::path& path, const std::vector<std::string>& args) override;

 private:
  [[noreturn]] void refuse(const std::string& what) const;
  std::shared_ptr<client_slot> m_slot;
};

/// The client names of one host: the first connection to say `hello` with a name adds a
/// client_runtime of that name to the host; later connections reuse it once it is free.
class client_registry {
 public:
  explicit client_registry(host& h) : m_host(h) {}
  /// The slot `name` now belongs to `link`; throws usage_error when the name is a runtime of the
  /// host's own or another connection holds it.
  std::shared_ptr<client_slot> attach(const std::string& name, const std::shared_ptr<client_link>& link);

 private:
  host& m_host;
  std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<client_slot>, std::less<>> m_slots;
};

}  // namespace promethean::serve::detail
