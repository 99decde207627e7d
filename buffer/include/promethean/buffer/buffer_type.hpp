/// Buffer types: a name for a layout of named dimensions and a format ("ImageRGB" is
/// [height width channels] of uint8 with channels fixed at 3), and the registry that checks
/// buffers against them at every boundary.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace promethean {

struct buffer_dimension {
  std::string name;
  std::optional<std::size_t> fixed;  ///< a size every buffer of the type must have
  bool operator==(const buffer_dimension&) const = default;
};

struct PROMETHEAN_API buffer_type {
  std::string name;
  std::vector<buffer_dimension> layout;
  std::optional<dtype> format;  ///< nullopt: any dtype

  bool operator==(const buffer_type&) const = default;

  /// {"name", "layout": [...], "format": "uint8"|null, "fixed": {"channels": 3}}
  nlohmann::json to_json() const;

  /// Builds a type from a name, dimension names, an optional format name and fixed sizes keyed by
  /// dimension name; throws buffer_error for an unknown format, a duplicate dimension or a fixed
  /// size naming no dimension.
  static buffer_type make(std::string name, const std::vector<std::string>& layout,
                          std::optional<std::string_view> format = std::nullopt,
                          const std::map<std::string, std::size_t>& fixed = {});

  /// The type to_json() describes; throws buffer_error for anything else.
  static buffer_type from_json(const nlohmann::json& j);
};

/// Thread-safe registry of buffer types by name; one per Host.
class PROMETHEAN_API buffer_type_registry {
 public:
  /// Registers a type. Registering an identical type again is a no-op; a different type under a
  /// taken name is a buffer_error.
  void add(buffer_type type);

  /// Told of each type add() is about to register, before it is (not of one registered already):
  /// what it throws refuses the type, which is then not registered. One observer, replaced by the
  /// next; called without the registry's lock. A worker process tells its host this way, so that
  /// both know the types its runtime registers (host/src/remote/worker.cpp).
  void set_observer(std::function<void(const buffer_type&)> observer);

  /// Asked for a name this registry does not know (find, get, apply, create): a type it gives is
  /// kept. A worker process asks its host, so that types registered there apply here too.
  void set_lookup_elsewhere(std::function<std::optional<buffer_type>(std::string_view)> lookup);

  std::optional<buffer_type> find(std::string_view name) const;

  /// Throws buffer_error (type "BufferTypeError") for an unknown name.
  buffer_type get(std::string_view name) const;

  std::vector<std::string> names() const;

  /// Throws buffer_error naming the type, the dimension and both sizes when `b` does not fit.
  static void validate(const buffer& b, const buffer_type& type);

  /// Validates `b` against the named type and returns it tagged with that type (no copy).
  buffer apply(const buffer& b, std::string_view type_name) const;

  /// A new zero-filled host buffer of the named type; `sizes` gives every non-fixed dimension.
  buffer create(std::string_view type_name, const std::map<std::string, std::size_t>& sizes,
                std::optional<dtype> format = std::nullopt) const;

 private:
  mutable std::shared_mutex m_mutex;
  mutable std::map<std::string, buffer_type, std::less<>> m_types;  // find() keeps what it learns elsewhere
  std::function<void(const buffer_type&)> m_observer;  // guarded by m_mutex
  std::function<std::optional<buffer_type>(std::string_view)> m_elsewhere;  // guarded by m_mutex
};

}  // namespace promethean
