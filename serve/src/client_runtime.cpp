// A connected client as a runtime of the host: calls by name go over its WebSocket and back.
#include "client_runtime.hpp"

#include <promethean/config.hpp>
#include <promethean/error.hpp>

#include <algorithm>
#include <utility>

namespace promethean::serve::detail {

bool client_slot::attach(const std::shared_ptr<client_link>& link) {
  std::lock_guard lock(m_mutex);
  if (!m_link.expired()) return false;
  m_link = link;
  m_exports.clear();
  return true;
}

void client_slot::detach(const client_link* link) {
  std::lock_guard lock(m_mutex);
  const auto current = m_link.lock();
  if (current.get() != link && current) return;
  m_link.reset();
  m_exports.clear();
}

void client_slot::add_export(const std::string& function) {
  std::lock_guard lock(m_mutex);
  m_exports.insert(function);
}

std::shared_ptr<client_link> client_slot::link() const {
  std::lock_guard lock(m_mutex);
  auto link = m_link.lock();
  if (!link) {
    throw error(m_name, "NotConnected",
                "client '" + m_name + "' is not connected (it disconnected; a client takes the name again with "
                "{\"op\": \"hello\", \"name\": \"" + m_name + "\"})");
  }
  return link;
}

std::shared_ptr<client_link> client_slot::link_for(const std::string& function) const {
  auto link_now = link();
  std::lock_guard lock(m_mutex);
  if (m_exports.count(function) == 0) {
    std::string list;
    for (const auto& e : m_exports) list += (list.empty() ? "" : ", ") + e;
    throw usage_error("client '" + m_name + "' exports no function '" + function + "' (it exports: " +
                          (list.empty() ? std::string("nothing yet") : list) + ")",
                      m_name);
  }
  return link_now;
}

std::string client_runtime::version() const { return PROMETHEAN_VERSION_STRING; }

nlohmann::json client_runtime::describe() const {
  bool connected = true;
  try {
    (void)m_slot->link();
  } catch (const error&) {
    connected = false;
  }
  return {{"version", version()},
          {"eval", "none: a WebSocket client (promethean serve) evaluates no code"},
          {"marshal", "JSON text"},
          {"buffers", "binary WebSocket frames, copied to and from the client"},
          {"capabilities", {"call", "send_json"}},
          {"client", true},
          {"connected", connected}};
}

void client_runtime::refuse(const std::string& what) const {
  throw usage_error("client '" + m_slot->name() + "' (a WebSocket client) " + what +
                    "; it offers only the functions it exported, to call, and send_json");
}

message client_runtime::eval(std::string_view, const call_options&) { refuse("evaluates no code"); }

std::shared_ptr<pending_call> client_runtime::call_async(std::string_view function, const message& args,
                                                         const call_options&) {
  const std::string name(function);
  return m_slot->link_for(name)->send_to_client("call", name, args);
}

message client_runtime::call(std::string_view function, const message& args, const call_options& options) {
  auto pending = call_async(function, args, options);
  std::optional<pending_call::clock::time_point> until;
  if (options.timeout) until = pending_call::clock::now() + *options.timeout;
  auto outcome = pending->wait(until);
  if (!outcome) {
    pending->cancel();
    throw timeout_error(std::string(name()), "call of '" + std::string(function) + "'", *options.timeout);
  }
  return std::move(*outcome).take();
}

void client_runtime::define(const function_definition&) { refuse("takes no function definitions"); }
void client_runtime::load(const std::filesystem::path&) { refuse("loads no files"); }
std::string client_runtime::marshal(const nlohmann::json& value) const { return value.dump(); }

message client_runtime::send_json(const message& payload, const call_options& options) {
  auto pending = m_slot->link()->send_to_client("message", "", payload);
  std::optional<pending_call::clock::time_point> until;
  if (options.timeout) until = pending_call::clock::now() + *options.timeout;
  auto outcome = pending->wait(until);
  if (!outcome) {
    pending->cancel();
    throw timeout_error(std::string(name()), "message", *options.timeout);
  }
  return std::move(*outcome).take();
}

void client_runtime::set_message_handler(std::string_view) {
  refuse("sets its message handler itself (onMessage in the client module)");
}

int client_runtime::run_script(const std::filesystem::path&, const std::vector<std::string>&) {
  refuse("runs no scripts");
}

std::shared_ptr<client_slot> client_registry::attach(const std::string& name, const std::shared_ptr<client_link>& link) {
  std::lock_guard lock(m_mutex);
  auto it = m_slots.find(name);
  if (it == m_slots.end()) {
    const auto names = m_host.runtime_names();
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw usage_error("'" + name + "' is a runtime of the host: a client takes a name of its own (e.g. \"web\")");
    }
    if (name.empty() || name.find_first_of("@/ \t\n") != std::string::npos) {
      throw usage_error("a client's name is a non-empty word without '@', '/' or spaces, got '" + name + "'");
    }
    auto slot = std::make_shared<client_slot>(name);
    m_host.add_runtime(std::make_unique<client_runtime>(slot));
    it = m_slots.emplace(name, std::move(slot)).first;
  }
  if (!it->second->attach(link)) {
    throw usage_error("the client name '" + name + "' is taken by another connection");
  }
  return it->second;
}

}  // namespace promethean::serve::detail
