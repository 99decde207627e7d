// The named-view registry: (buffer type, view name) → (runtime, function), and resolving a view of
// a buffer to the runtime that computes it.
#include <promethean/host/view_registry.hpp>

#include <promethean/error.hpp>

namespace promethean {

void view_registry::add(view_entry entry) {
  std::function<void(const view_entry&)> observer;
  {
    std::lock_guard lock(m_mutex);
    observer = m_observer;
  }
  if (observer) observer(entry);  // may refuse it; without the lock (it may wait for another process)
  std::lock_guard lock(m_mutex);
  auto key = std::make_pair(entry.type, entry.name);
  m_views.insert_or_assign(std::move(key), std::move(entry));
}

void view_registry::set_observer(std::function<void(const view_entry&)> observer) {
  std::lock_guard lock(m_mutex);
  m_observer = std::move(observer);
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

view_route view_registry::resolve(const buffer& b, std::string_view name, const buffer_type_registry& types,
                                  const std::function<bool(std::string_view)>& is_runtime) const {
  if (!b.type_name().empty()) {
    if (auto v = find(b.type_name(), name)) return view_route{v->runtime, v->function, b};
  } else {
    // An untyped buffer (a plain numpy array, a TypedArray): the views of that name whose type
    // its layout fits. Exactly one is unambiguous.
    std::vector<std::pair<view_entry, buffer>> fits;
    for (const auto& v : named(name)) {
      if (auto t = types.find(v.type)) {
        try {
          buffer_type_registry::validate(b, *t);
          fits.emplace_back(v, b.with_type(v.type));
        } catch (const buffer_error&) {
        }
      }
    }
    if (fits.size() == 1) return view_route{fits.front().first.runtime, fits.front().first.function, fits.front().second};
    if (fits.size() > 1) {
      std::string fitting;
      for (const auto& [v, typed] : fits) fitting += (fitting.empty() ? "" : ", ") + v.type;
      throw usage_error("buffer.view '" + std::string(name) + "' is ambiguous for untyped buffer " + b.id() +
                        ": its layout fits " + fitting + "; give the buffer a type first");
    }
  }
  // No registered view: the runtime that owns the memory decides what the view means.
  const std::string& owner = b.language();
  if (is_runtime(owner)) return view_route{owner, std::string(name), b, false};
  std::string registered;
  for (const auto& v : entries()) {
    registered += (registered.empty() ? "" : ", ") + v.type + "." + v.name + " (" + v.runtime + ")";
  }
  throw usage_error("no view '" + std::string(name) + "' for buffer " + b.id() + " of type '" +
                    (b.type_name().empty() ? std::string("untyped") : b.type_name()) + "', and its owner '" + owner +
                    "' is not a runtime that could compute it (registered views: " +
                    (registered.empty() ? "none" : registered) + ")");
}

}  // namespace promethean
