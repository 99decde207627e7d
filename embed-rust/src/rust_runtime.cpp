// The `rust` runtime: loading plugins and calling their functions with zero-copy buffer views.
#include <promethean/rust/rust_runtime.hpp>

#include "abi_objects.hpp"
#include "plugin_library.hpp"
#include "plugin_search.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <optional>
#include <map>
#include <shared_mutex>
#include <unordered_map>

namespace promethean {
namespace rust {
namespace {

class rust_runtime final : public runtime {
 public:
  explicit rust_runtime(host& h) : m_host(h) {}

  std::string_view name() const noexcept override { return "rust"; }

  std::string version() const override {
    return "plugin ABI " + std::to_string(PM_PLUGIN_ABI_MAJOR) + "." + std::to_string(PM_PLUGIN_ABI_MINOR);
  }

  nlohmann::json describe() const override {
    nlohmann::json plugins = nlohmann::json::object();
    {
      std::shared_lock lock(m_mutex);
      for (const auto& [name, lib] : m_plugins) {
        nlohmann::json functions = nlohmann::json::object();
        for (const auto& [fn, f] : lib->functions()) functions[name + "." + fn] = f.signature;
        plugins[name] = {{"version", lib->version()}, {"path", lib->path().string()}, {"functions", functions}};
      }
    }
    return {{"name", "rust"},
            {"language", "Rust (cdylib plugins through a C ABI)"},
            {"version", version()},
            {"eval", "none: Rust is compiled; load a plugin and call <plugin>.<function>"},
            {"call", "<plugin>.<function> of a loaded plugin"},
            {"marshal", "JSON text (what plugin functions receive)"},
            {"messages", "set_message_handler(\"<plugin>.<function>\"): the function receives the JSON"},
            {"buffers", "zero-copy: views of the caller's memory; plugin-made buffers (a Rust Vec) adopted"},
            {"plugins", plugins},
            {"capabilities", {"call", "load", "send_json", "buffers"}}};
  }

  message eval(std::string_view, const call_options&) override {
    throw usage_error("rust has no eval: Rust is compiled. Load a plugin with load(\"rust\", path) and call "
                      "\"<plugin>.<function>\"",
                      "rust");
  }

  message call(std::string_view function, const message& args, const call_options&) override {
    // The common case first: one lock-free hash lookup of the whole "<plugin>.<function>".
    const plugin_library* lib = nullptr;
    const plugin_library::function* fn = nullptr;
    if (const function_table* table = m_table.load(std::memory_order_acquire)) {
      if (auto it = table->find(function); it != table->end()) {
        lib = it->second.lib;
        fn = it->second.fn;
      }
    }
    const auto dot = function.find('.');
    const std::string_view fn_name = dot == std::string_view::npos ? function : function.substr(dot + 1);
    if (fn == nullptr) {
      if (dot == std::string_view::npos) {
        throw usage_error("rust: a function is named \"<plugin>.<function>\", got '" + std::string(function) + "'", "rust");
      }
      const std::string_view plugin_name = function.substr(0, dot);
      lib = find_plugin(plugin_name);
      if (lib == nullptr) {
        throw usage_error("rust: no plugin '" + std::string(plugin_name) + "' is loaded (loaded: " + loaded_names() + ")",
                          "rust");
      }
      std::string names;
      for (const auto& [n, f] : lib->functions()) names += (names.empty() ? "" : ", ") + n;
      throw usage_error("rust: plugin " + lib->name() + " has no function '" + std::string(fn_name) +
                            "' (it has: " + names + ")",
                        "rust");
    }
    if (fn->typed != nullptr) {
      if (auto fast = call_typed(*lib, *fn, fn_name, args)) return std::move(*fast);
    }
    nlohmann::json value;
    std::vector<buffer> buffers;
    to_abi(args, value, buffers);
    const std::string text = value.dump();
    std::deque<pm_buffer> refs;  // stable addresses for the views
    std::vector<pm_buffer_view> views(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      refs.push_back(pm_buffer{buffers[i]});
      fill_view(buffers[i], &refs.back(), views[i]);
    }
    pm_result result;
    pm_error* failed = fn->fn(lib->api(), text.data(), text.size(), views.data(), views.size(), &result);
    if (failed != nullptr) rethrow(failed, *lib, fn_name);
    return from_abi(result.value, result.buffers, lib->name() + "." + std::string(fn_name));
  }

  /// The error a plugin function returned, thrown with where it passed through.
  [[noreturn]] static void rethrow(pm_error* failed, const plugin_library& lib, std::string_view fn_name) {
    error e = std::move(failed->e);
    delete failed;
    const std::string where = "[rust] in " + lib.name() + "." + std::string(fn_name);
    std::string trace = e.trace().empty() ? where : e.trace() + "\n" + where;
    if (e.runtime() == "rust") throw plugin_error(e.type(), e.message(), trace);
    throw error(e.runtime(), e.type(), e.message(), trace);  // another runtime's, passed through
  }

  /// The typed path: when every argument is a scalar, a string or a buffer, they go to the plugin
  /// as a C array of values, with no JSON made on either side. nullopt: the arguments need JSON.
  static std::optional<message> call_typed(const plugin_library& lib, const plugin_library::function& f,
                                           std::string_view fn_name, const message& args) {
    constexpr std::size_t k_max = 8;
    const nlohmann::json& values = args.value();
    if (!values.is_array() || values.size() > k_max) return std::nullopt;
    std::array<pm_value, k_max> typed{};
    std::array<pm_buffer_view, k_max> views;
    std::size_t view_count = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const nlohmann::json& v = values[i];
      pm_value& t = typed[i];
      switch (v.type()) {
        case nlohmann::json::value_t::null: t.kind = PM_VALUE_NULL; break;
        case nlohmann::json::value_t::boolean:
          t.kind = PM_VALUE_BOOL;
          t.as.b = v.get<bool>() ? 1 : 0;
          break;
        case nlohmann::json::value_t::number_integer:
          t.kind = PM_VALUE_INT;
          t.as.i = v.get<std::int64_t>();
          break;
        case nlohmann::json::value_t::number_unsigned: {
          const auto u = v.get<std::uint64_t>();
          if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
          t.kind = PM_VALUE_INT;
          t.as.i = static_cast<std::int64_t>(u);
          break;
        }
        case nlohmann::json::value_t::number_float:
          t.kind = PM_VALUE_FLOAT;
          t.as.f = v.get<double>();
          break;
        case nlohmann::json::value_t::string: {
          const auto& s = v.get_ref<const std::string&>();
          t.kind = PM_VALUE_STRING;
          t.as.s.data = s.data();
          t.as.s.length = s.size();
          break;
        }
        case nlohmann::json::value_t::object: {
          // Only Buffer handles put buffers into a message, so a "buffer_id" naming one of the
          // message's buffers is a handle. They are usually in order: try the next one first.
          auto id = v.find("buffer_id");
          if (id == v.end() || !id->is_string()) return std::nullopt;
          const std::string& wanted = id->get_ref<const std::string&>();
          const auto& held = args.buffers();
          const buffer* found = nullptr;
          if (view_count < held.size() && held[view_count].id() == wanted) {
            found = &held[view_count];
          } else {
            for (const auto& b : held) {
              if (b.id() == wanted) found = &b;
            }
          }
          if (found == nullptr) return std::nullopt;  // the JSON path resolves it (or says why not)
          // The message's own reference, lent for the call (pm_buffer is layout-compatible).
          auto* ref = reinterpret_cast<pm_buffer*>(const_cast<buffer*>(found));
          fill_view(*found, ref, views[view_count]);
          t.kind = PM_VALUE_BUFFER;
          t.view = static_cast<std::uint32_t>(view_count++);
          break;
        }
        default: return std::nullopt;
      }
    }
    pm_value out{};
    pm_result result;
    pm_error* failed = f.typed(lib.api(), typed.data(), values.size(), views.data(), view_count, &out, &result);
    if (failed != nullptr) rethrow(failed, lib, fn_name);
    switch (out.kind) {
      case PM_VALUE_NULL: return message();
      case PM_VALUE_BOOL: return message(nlohmann::json(out.as.b != 0));
      case PM_VALUE_INT: return message(nlohmann::json(out.as.i));
      case PM_VALUE_FLOAT: return message(nlohmann::json(out.as.f));
      case PM_VALUE_RESULT: return from_abi(result.value, result.buffers, lib.name() + "." + std::string(fn_name));
      default:
        throw plugin_error("BadResult", lib.name() + "." + std::string(fn_name) + " returned a value of kind " +
                                            std::to_string(out.kind) + " (expected NULL, BOOL, INT, FLOAT or RESULT)");
    }
  }

  void define(const function_definition& d) override {
    throw usage_error("rust cannot define '" + d.name + "' from source: Rust functions come from plugins (load one)",
                      "rust");
  }

  void load(const std::filesystem::path& path) override {
    auto lib = plugin_library::open(m_host, resolve_plugin(path));
    std::unique_lock lock(m_mutex);
    if (auto it = m_plugins.find(lib->name()); it != m_plugins.end()) {
      throw plugin_error("AlreadyLoaded", "cannot load plugin " + path.string() + ": a plugin named '" + lib->name() +
                                              "' is already loaded from " + it->second->path().string());
    }
    // A new function table with this plugin's functions, published for lock-free lookups; the
    // old tables stay alive (a call may still be reading one) until shutdown.
    auto table = std::make_unique<function_table>();
    if (const function_table* current = m_table.load(std::memory_order_relaxed)) *table = *current;
    for (const auto& [fn_name, f] : lib->functions()) table->emplace(lib->name() + "." + fn_name, table_entry{lib.get(), &f});
    m_table.store(table.get(), std::memory_order_release);
    m_tables.push_back(std::move(table));
    m_plugins.emplace(lib->name(), std::move(lib));
  }

  std::string marshal(const nlohmann::json& value) const override { return value.dump(); }

  message send_json(const message& payload, const call_options& options) override {
    std::string handler;
    {
      std::shared_lock lock(m_mutex);
      handler = m_handler;
    }
    if (handler.empty()) {
      throw usage_error("rust has no message handler: set one to \"<plugin>.<function>\"", "rust");
    }
    nlohmann::json args = nlohmann::json::array({payload.value()});
    return call(handler, message(std::move(args), payload.buffers(), payload.functions()), options);
  }

  void set_message_handler(std::string_view handler) override {
    std::unique_lock lock(m_mutex);
    m_handler = handler;
  }

  int run_script(const std::filesystem::path& path, const std::vector<std::string>&) override {
    throw usage_error("'" + path.string() + "' cannot run as a script: a Rust plugin is loaded, then called", "rust");
  }

  /// Plugins stay loaded until the process exits (see plugin_library); the runtime forgets them
  /// and tells them their host is gone.
  void shutdown() override {
    std::unique_lock lock(m_mutex);
    for (auto& [name, lib] : m_plugins) lib->detach();
    m_table.store(nullptr, std::memory_order_release);
    m_plugins.clear();  // the libraries themselves live on (plugin_library keeps them)
  }

 private:
  const plugin_library* find_plugin(std::string_view name) const {
    std::shared_lock lock(m_mutex);
    auto it = m_plugins.find(name);
    return it == m_plugins.end() ? nullptr : it->second.get();
  }

  std::string loaded_names() const {
    std::shared_lock lock(m_mutex);
    std::string s;
    for (const auto& [n, lib] : m_plugins) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "none" : s;
  }

  host& m_host;
  mutable std::shared_mutex m_mutex;
  std::map<std::string, std::shared_ptr<plugin_library>, std::less<>> m_plugins;
  std::string m_handler;
  // "<plugin>.<function>" → the function, for calls: looked up without a lock.
  struct table_entry {
    const plugin_library* lib;
    const plugin_library::function* fn;
  };
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using function_table = std::unordered_map<std::string, table_entry, name_hash, std::equal_to<>>;
  std::atomic<const function_table*> m_table{nullptr};
  std::vector<std::unique_ptr<function_table>> m_tables;  // every table published (guarded by m_mutex)
};

}  // namespace
}  // namespace rust

std::unique_ptr<runtime> make_rust_runtime(host& h) { return std::make_unique<rust::rust_runtime>(h); }

}  // namespace promethean
