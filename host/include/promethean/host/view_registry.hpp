/// Named views: `(buffer.view image "grayscale")` finds the function that computes the view.
///
/// A view is registered for a buffer type by the runtime that implements it
/// (`promethean.register_view("ImageRGB", "grayscale", fn)` in Python registers py's function).
/// `host::view` routes to that runtime; an unregistered name goes to the runtime that owns the
/// buffer's memory. This registry records who implements what and resolves a view to its route
/// (`resolve`); the Host makes the call.
///
/// Thread-safety: every member may be called from any thread.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/buffer_type.hpp>
#include <promethean/config.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace promethean {

struct view_entry {
  std::string type;      ///< buffer-type name, e.g. "ImageRGB"
  std::string name;      ///< view name, e.g. "grayscale"
  std::string runtime;   ///< the runtime that computes it
  std::string function;  ///< a name callable in that runtime, called with the buffer
  bool operator==(const view_entry&) const = default;
};

/// Where a view of a buffer is computed: call `function` of `runtime` with `arg`.
struct view_route {
  std::string runtime;
  std::string function;
  buffer arg;  ///< the buffer, typed when its view was found by its layout (an untyped buffer)
  /// False when no view is registered and the route is the runtime that owns the buffer's memory,
  /// called by the view's name: that runtime decides what the view means.
  bool registered = true;
};

class PROMETHEAN_API view_registry {
 public:
  /// Adds or replaces the view `entry.name` of `entry.type`.
  void add(view_entry entry);

  /// Told of each view add() is about to record, before it is: what it throws refuses the view.
  /// One observer, replaced by the next; called without the registry's lock. A worker process
  /// tells its host this way, so that the host routes the view to it (host/src/remote/worker.cpp).
  void set_observer(std::function<void(const view_entry&)> observer);

  /// The view `name` of buffer type `type`, if registered.
  std::optional<view_entry> find(std::string_view type, std::string_view name) const;

  /// Every registered view called `name`, whatever its type, ordered by type.
  std::vector<view_entry> named(std::string_view name) const;

  /// Every registered view, ordered by type then name.
  std::vector<view_entry> entries() const;

  /// Resolves `(buffer.view b name)`: the view `name` registered for b's type; for an untyped
  /// buffer, the one view of that name whose type b's layout fits (`types` checks it; more than one
  /// is ambiguous); else the runtime that owns b's memory, if `is_runtime(owner)`. Throws
  /// usage_error, saying what is registered, when nothing can compute the view.
  view_route resolve(const buffer& b, std::string_view name, const buffer_type_registry& types,
                     const std::function<bool(std::string_view)>& is_runtime) const;

  /// The name a runtime keeps a view's function under when the view is registered from inside it
  /// (promethean.register_view): one no user code would write, so it cannot clash with an export.
  static std::string function_name(std::string_view type, std::string_view name);

 private:
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, view_entry, std::less<>> m_views;
  std::function<void(const view_entry&)> m_observer;  // guarded by m_mutex
};

}  // namespace promethean
