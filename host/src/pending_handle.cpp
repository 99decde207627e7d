// The table of pending calls named inside messages (pending_handle.hpp).
#include <promethean/error.hpp>
#include <promethean/host/pending_handle.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace promethean::pending_handle {
namespace {
struct table {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<pending_call>> held;
  std::atomic<std::uint64_t> next{1};
};
table& the_table() {
  static auto* t = new table();  // never destroyed: a late producer's message may still name one
  return *t;
}
}  // namespace

nlohmann::json hold(std::shared_ptr<pending_call> call, std::string_view runtime, std::string_view name) {
  auto& t = the_table();
  std::string id = "p" + std::to_string(t.next.fetch_add(1));
  {
    std::lock_guard lock(t.mutex);
    t.held.emplace(id, std::move(call));
  }
  return {{"_type", "Pending"}, {"pending_id", id}, {"runtime", runtime}, {"name", name}};
}

bool is_handle(const nlohmann::json& j) noexcept {
  if (!j.is_object()) return false;
  auto it = j.find("_type");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == "Pending";
}

std::shared_ptr<pending_call> take(const nlohmann::json& handle) {
  auto id = handle.find("pending_id");
  if (id == handle.end() || !id->is_string()) {
    throw usage_error("a Pending handle without a pending_id string: " + handle.dump());
  }
  auto& t = the_table();
  std::lock_guard lock(t.mutex);
  auto it = t.held.find(id->get_ref<const std::string&>());
  if (it == t.held.end()) {
    throw usage_error("the pending call " + id->get<std::string>() +
                      " is not there: a pending result can be awaited once, by one receiver");
  }
  auto call = std::move(it->second);
  t.held.erase(it);
  return call;
}

void abandon_all(std::exception_ptr why) {
  auto& t = the_table();
  std::vector<std::shared_ptr<pending_call>> left;
  {
    std::lock_guard lock(t.mutex);
    for (auto& [id, call] : t.held) left.push_back(std::move(call));
    t.held.clear();
  }
  for (auto& call : left) call->abandon(why);
}

}  // namespace promethean::pending_handle
