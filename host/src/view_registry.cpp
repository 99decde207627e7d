// The named-view registry: (buffer type, view name) → (runtime, function).
#include <promethean/host/view_registry.hpp>

namespace promethean {

void view_registry::add(view_entry entry) {
  std::lock_guard lock(m_mutex);
  auto key = std::make_pair(entry.type, entry.name);
  m_views.insert_or_assign(std::move(key), std::move(entry));
}

std::optional<view_entry> view_registry::find(std::string_view type, std::string_view name) const {
  std::lock_guard lock(m_mutex);
  auto it = m_views.find(std::make_pair(std::string(type), std::string(name)));
  if (it == m_views.end()) return std::nullopt;
  return it->second;
}

std::vector<view_entry> view_registry::named(std::string_view name) const {
  std::lock_guard lock(m_mutex);
  std::vector<view_entry> found;
  for (const auto& [key, entry] : m_views) {
    if (entry.name == name) found.push_back(entry);
  }
  return found;
}

std::string view_registry::function_name(std::string_view type, std::string_view name) {
  return "__view__:" + std::string(type) + ":" + std::string(name);
}

std::vector<view_entry> view_registry::entries() const {
  std::lock_guard lock(m_mutex);
  std::vector<view_entry> all;
  all.reserve(m_views.size());
  for (const auto& [key, entry] : m_views) all.push_back(entry);
  return all;
}

}  // namespace promethean
