// Buffer types and their registry.
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/error.hpp>

#include <mutex>
#include <set>

namespace promethean {
namespace {
std::string layout_text(const buffer_type& t) {
  std::string s = "[";
  for (std::size_t i = 0; i < t.layout.size(); ++i) {
    s += (i ? " " : "") + t.layout[i].name;
    if (t.layout[i].fixed) s += "=" + std::to_string(*t.layout[i].fixed);
  }
  return s + "]";
}
}  // namespace

nlohmann::json buffer_type::to_json() const {
  nlohmann::json j = {{"name", name}, {"layout", nlohmann::json::array()}, {"fixed", nlohmann::json::object()}};
  for (const auto& d : layout) {
    j["layout"].push_back(d.name);
    if (d.fixed) j["fixed"][d.name] = *d.fixed;
  }
  j["format"] = format ? nlohmann::json(std::string(dtype_name(*format))) : nlohmann::json(nullptr);
  return j;
}

buffer_type buffer_type::from_json(const nlohmann::json& j) {
  auto refuse = [&](const std::string& why) -> void {
    throw buffer_error("a buffer type's JSON form " + why + ", got " + j.dump(), "BufferTypeError");
  };
  if (!j.is_object()) refuse("is an object {\"name\", \"layout\", \"format\", \"fixed\"}");
  for (const auto& [key, value] : j.items()) {
    if (key != "name" && key != "layout" && key != "format" && key != "fixed") {
      refuse("has no key '" + key + "' (expected name, layout, format, fixed)");
    }
  }
  const auto name = j.find("name");
  if (name == j.end() || !name->is_string()) refuse("has a string \"name\"");
  const auto layout = j.find("layout");
  if (layout == j.end() || !layout->is_array()) refuse("has a \"layout\": an array of dimension names");
  std::vector<std::string> dimensions;
  for (const auto& d : *layout) {
    if (!d.is_string()) refuse("has a \"layout\" of dimension names (strings)");
    dimensions.push_back(d.get<std::string>());
  }
  std::optional<std::string> format;
  if (auto f = j.find("format"); f != j.end() && !f->is_null()) {
    if (!f->is_string()) refuse("has a \"format\" that is a format name or null");
    format = f->get<std::string>();
  }
  std::map<std::string, std::size_t> fixed;
  if (auto f = j.find("fixed"); f != j.end() && !f->is_null()) {
    if (!f->is_object()) refuse("has a \"fixed\" that is an object of dimension sizes");
    for (const auto& [dimension, size] : f->items()) {
      // Unsigned only: a -1 must not wrap round to 2^64-1.
      if (!size.is_number_unsigned()) refuse("has fixed sizes that are non-negative integers ('" + dimension + "')");
      fixed[dimension] = size.get<std::size_t>();
    }
  }
  return make(name->get<std::string>(), dimensions, format ? std::optional<std::string_view>(*format) : std::nullopt,
              fixed);
}

buffer_type buffer_type::make(std::string name, const std::vector<std::string>& layout,
                              std::optional<std::string_view> format,
                              const std::map<std::string, std::size_t>& fixed) {
  if (name.empty()) throw buffer_error("a buffer type needs a name", "BufferTypeError");
  buffer_type t;
  t.name = std::move(name);
  if (format) t.format = parse_dtype(*format);
  std::set<std::string> seen;
  for (const auto& dim : layout) {
    if (dim.empty()) throw buffer_error(t.name + ": a dimension needs a name", "BufferTypeError");
    if (!seen.insert(dim).second) {
      throw buffer_error(t.name + ": dimension '" + dim + "' appears twice in the layout", "BufferTypeError");
    }
    buffer_dimension d{dim, std::nullopt};
    if (auto it = fixed.find(dim); it != fixed.end()) d.fixed = it->second;
    t.layout.push_back(std::move(d));
  }
  for (const auto& [dim, size] : fixed) {
    if (!seen.count(dim)) {
      throw buffer_error(t.name + ": fixed size given for '" + dim + "', which is not in the layout " +
                         layout_text(t), "BufferTypeError");
    }
  }
  return t;
}

void buffer_type_registry::add(buffer_type type) {
  auto refuse_if_taken = [&](const buffer_type* taken) {
    if (taken != nullptr && !(*taken == type)) {
      throw buffer_error("buffer type '" + type.name + "' is already registered as " + layout_text(*taken) +
                         "; cannot register it again as " + layout_text(type), "BufferTypeError");
    }
  };
  std::function<void(const buffer_type&)> observer;
  {
    std::shared_lock lock(m_mutex);
    auto it = m_types.find(type.name);
    refuse_if_taken(it == m_types.end() ? nullptr : &it->second);
    if (it != m_types.end()) return;  // the same type again
    observer = m_observer;
  }
  if (observer) observer(type);  // may refuse it; without the lock (it may wait for another process)
  std::unique_lock lock(m_mutex);
  auto it = m_types.find(type.name);  // again: another thread may have registered it meanwhile
  refuse_if_taken(it == m_types.end() ? nullptr : &it->second);
  if (it != m_types.end()) return;
  std::string name = type.name;
  m_types.emplace(std::move(name), std::move(type));
}

void buffer_type_registry::set_observer(std::function<void(const buffer_type&)> observer) {
  std::unique_lock lock(m_mutex);
  m_observer = std::move(observer);
}

std::optional<buffer_type> buffer_type_registry::find(std::string_view name) const {
  std::function<std::optional<buffer_type>(std::string_view)> elsewhere;
  {
    std::shared_lock lock(m_mutex);
    auto it = m_types.find(name);
    if (it != m_types.end()) return it->second;
    elsewhere = m_elsewhere;
  }
  if (!elsewhere) return std::nullopt;
  std::optional<buffer_type> found = elsewhere(name);  // without the lock: it may ask another process
  if (!found || found->name != name) return std::nullopt;
  std::unique_lock lock(m_mutex);
  return m_types.emplace(found->name, *found).first->second;  // kept: asked once
}

void buffer_type_registry::set_lookup_elsewhere(std::function<std::optional<buffer_type>(std::string_view)> lookup) {
  std::unique_lock lock(m_mutex);
  m_elsewhere = std::move(lookup);
}

buffer_type buffer_type_registry::get(std::string_view name) const {
  if (auto t = find(name)) return *t;
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw buffer_error("unknown buffer type '" + std::string(name) + "' (registered: " +
                     (known.empty() ? "none" : known) + ")", "BufferTypeError");
}

std::vector<std::string> buffer_type_registry::names() const {
  std::shared_lock lock(m_mutex);
  std::vector<std::string> out;
  for (const auto& [name, type] : m_types) out.push_back(name);
  return out;
}

void buffer_type_registry::validate(const buffer& b, const buffer_type& type) {
  if (b.ndim() != type.layout.size()) {
    throw buffer_error(type.name + " has " + std::to_string(type.layout.size()) + " dimensions " +
                       layout_text(type) + " but buffer " + b.id() + " has " + std::to_string(b.ndim()),
                       "BufferTypeError");
  }
  for (std::size_t i = 0; i < type.layout.size(); ++i) {
    const auto& dim = type.layout[i];
    if (dim.fixed && b.shape()[i] != *dim.fixed) {
      throw buffer_error(type.name + ": dimension '" + dim.name + "' must be " + std::to_string(*dim.fixed) +
                         ", got " + std::to_string(b.shape()[i]) + " in buffer " + b.id(), "BufferTypeError");
    }
  }
  if (type.format && b.format() != *type.format) {
    throw buffer_error(type.name + ": format must be " + std::string(dtype_name(*type.format)) + ", got " +
                       std::string(dtype_name(b.format())) + " in buffer " + b.id(), "BufferTypeError");
  }
}

buffer buffer_type_registry::apply(const buffer& b, std::string_view type_name) const {
  if (b.type_name() == type_name) return b;
  validate(b, get(type_name));
  return b.with_type(std::string(type_name));
}

buffer buffer_type_registry::create(std::string_view type_name, const std::map<std::string, std::size_t>& sizes,
                                    std::optional<dtype> format) const {
  const buffer_type type = get(type_name);
  shape_t shape;
  for (const auto& dim : type.layout) {
    auto it = sizes.find(dim.name);
    if (dim.fixed) {
      if (it != sizes.end() && it->second != *dim.fixed) {
        throw buffer_error(type.name + ": dimension '" + dim.name + "' is fixed at " + std::to_string(*dim.fixed) +
                           ", cannot create it with " + std::to_string(it->second), "BufferTypeError");
      }
      shape.push_back(*dim.fixed);
    } else if (it != sizes.end()) {
      shape.push_back(it->second);
    } else {
      throw buffer_error(type.name + ": creating a buffer needs a size for dimension '" + dim.name + "'",
                         "BufferTypeError");
    }
  }
  for (const auto& [name, size] : sizes) {
    bool known = false;
    for (const auto& dim : type.layout) known = known || dim.name == name;
    if (!known) {
      throw buffer_error(type.name + " has no dimension '" + name + "' (layout " + layout_text(type) + ")",
                         "BufferTypeError");
    }
  }
  if (format && type.format && *format != *type.format) {
    throw buffer_error(type.name + ": format must be " + std::string(dtype_name(*type.format)) + ", not " +
                       std::string(dtype_name(*format)), "BufferTypeError");
  }
  const dtype f = format ? *format : type.format.value_or(dtype::float32);
  return buffer::allocate(f, std::move(shape), allocate_options{"host", type.name, false});
}

}  // namespace promethean
