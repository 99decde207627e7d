// Function handles and the process-wide table that finds them by id.
#include <promethean/host/function_handle.hpp>
#include <promethean/type_tag.hpp>

#include <atomic>
#include <charconv>
#include <mutex>
#include <unordered_map>

namespace promethean {
namespace {
struct function_table {
  std::mutex mutex;
  std::unordered_map<std::string, std::weak_ptr<const function_handle>> by_id;
};
function_table& table() {
  static auto* t = new function_table();  // never destroyed: handles may die during exit
  return *t;
}
std::atomic<std::uint64_t> g_next_function{1};
}  // namespace

function_handle::function_handle(std::string runtime, std::string id, std::string name,
                                 std::function<void()> release)
    : m_runtime(std::move(runtime)), m_id(std::move(id)), m_name(std::move(name)), m_release(std::move(release)) {}

function_handle::~function_handle() {
  {
    std::lock_guard lock(table().mutex);
    table().by_id.erase(m_id);
  }
  if (m_release) m_release();
}

std::shared_ptr<const function_handle> function_handle::create(std::string runtime, std::string name,
                                                               std::function<void()> release) {
  std::string id = "f" + std::to_string(g_next_function.fetch_add(1, std::memory_order_relaxed));
  std::shared_ptr<const function_handle> h(
      new function_handle(std::move(runtime), id, std::move(name), std::move(release)));
  std::lock_guard lock(table().mutex);
  table().by_id.emplace(std::move(id), h);
  return h;
}

std::shared_ptr<const function_handle> function_handle::find(std::string_view id) {
  std::lock_guard lock(table().mutex);
  auto it = table().by_id.find(std::string(id));
  return it == table().by_id.end() ? nullptr : it->second.lock();
}

nlohmann::json function_handle::to_json() const {
  return {{"_type", "Function"}, {"runtime", m_runtime}, {"function_id", m_id}, {"name", m_name}};
}

bool function_handle::is_handle(const nlohmann::json& j) noexcept {
  return has_type_tag(j, "Function");
}

}  // namespace promethean
