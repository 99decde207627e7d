// The `rust` runtime: loading plugins and calling their functions with zero-copy buffer views.
#include <promethean/rust/rust_runtime.hpp>

#include "plugin_call.hpp"
#include "plugin_library.hpp"
#include "plugin_search.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/pending_call.hpp>
#include <promethean/host/keyword_arguments.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <iostream>
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

  message call(std::string_view function, const message& args, const call_options& options) override {
    const table_entry e = lookup(function);
    refuse_timeout(options, e.fn->qualified);
    keyword_arguments::refuse(args.value(), "rust", e.fn->qualified);  // the C ABI passes positions only
    return call_plugin(*e.lib, *e.fn, args);
  }

  /// Typed arguments go straight into the plugin's typed form (when it has one), as a callable's
  /// do: no JSON array with a handle per buffer built for the call and walked by it.
  message call_typed(std::string_view function, std::span<const argument> args, const call_options& options) override {
    const table_entry e = lookup(function);
    refuse_timeout(options, e.fn->qualified);
    return call_plugin(*e.lib, *e.fn, args);
  }

  /// A plugin function that returns a pending result (ABI 1.2) gives it here, not waited for; any
  /// other result settles the pending call at once. The function itself runs on this thread, to
  /// its return. A timeout bounds the wait for the pending result (the host's whole-wait timer),
  /// so it is not refused as for a blocking call.
  std::shared_ptr<pending_call> call_async(std::string_view function, const message& args,
                                           const call_options&) override {
    const table_entry e = lookup(function);
    keyword_arguments::refuse(args.value(), "rust", e.fn->qualified);
    std::shared_ptr<pending_call> deferred;
    message value = call_plugin(*e.lib, *e.fn, args, &deferred);
    return deferred ? std::move(deferred) : pending_call::ready(std::move(value));
  }

  /// The function found once: a callable's calls skip the name lookup (plugins stay loaded, and
  /// their functions with them, for the process's life).
  std::shared_ptr<const callable_target> resolve_callable(std::string_view function) override {
    const table_entry e = lookup(function);
    return make_callable(*e.lib, *e.fn);
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
    table->serial = g_next_table_serial.fetch_add(1, std::memory_order_relaxed);
    if (const function_table* current = m_table.load(std::memory_order_relaxed)) table->by_name = current->by_name;
    for (const auto& [fn_name, f] : lib->functions()) {
      table->by_name.emplace(lib->name() + "." + fn_name, table_entry{lib.get(), &f});
    }
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
      // Without a handler there is no Rust code to run: the loader prints the message's JSON text
      // on stdout, as a plugin's println! would, and the reply is null, as in every runtime.
      std::cout << payload.dump() << '\n' << std::flush;
      return message();
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
  struct table_entry {
    const plugin_library* lib;
    const plugin_library::function* fn;
  };

  /// "<plugin>.<function>" → the function: one lock-free hash lookup in the common case; a
  /// usage_error naming what is loaded otherwise.
  table_entry lookup(std::string_view function) const {
    if (const function_table* table = m_table.load(std::memory_order_acquire)) {
      // A loop calls the same function again and again: the thread's last hit in this very
      // table (serials are never reused) costs a compare instead of hashing the name.
      recent_lookup& recent = t_recent;
      if (recent.serial == table->serial && recent.size == function.size() &&
          std::memcmp(recent.name, function.data(), function.size()) == 0) {
        return recent.entry;
      }
      if (auto it = table->by_name.find(function); it != table->by_name.end()) {
        if (function.size() <= sizeof recent.name) {
          recent.serial = table->serial;
          recent.size = function.size();
          std::memcpy(recent.name, function.data(), function.size());
          recent.entry = it->second;
        }
        return it->second;
      }
    }
    const auto dot = function.find('.');
    if (dot == std::string_view::npos) {
      throw usage_error("rust: a function is named \"<plugin>.<function>\", got '" + std::string(function) + "'", "rust");
    }
    const std::string_view plugin_name = function.substr(0, dot);
    const plugin_library* lib = find_plugin(plugin_name);
    if (lib == nullptr) {
      throw usage_error("rust: no plugin '" + std::string(plugin_name) + "' is loaded (loaded: " + loaded_names() + ")",
                        "rust");
    }
    std::string names;
    for (const auto& [n, f] : lib->functions()) names += (names.empty() ? "" : ", ") + n;
    throw usage_error("rust: plugin " + lib->name() + " has no function '" + std::string(function.substr(dot + 1)) +
                          "' (it has: " + names + ")",
                      "rust");
  }

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
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct function_table {
    std::uint64_t serial = 0;  ///< unique in the process: a thread's recent_lookup names its table
    std::unordered_map<std::string, table_entry, name_hash, std::equal_to<>> by_name;
  };
  static inline std::atomic<std::uint64_t> g_next_table_serial{1};
  /// The last name a thread found (a trivial type: thread_local access needs no guard).
  struct recent_lookup {
    std::uint64_t serial;
    std::size_t size;
    char name[48];
    table_entry entry;
  };
  static inline thread_local recent_lookup t_recent{};
  std::atomic<const function_table*> m_table{nullptr};
  std::vector<std::unique_ptr<function_table>> m_tables;  // every table published (guarded by m_mutex)
};

}  // namespace
}  // namespace rust

std::unique_ptr<runtime> make_rust_runtime(host& h) { return std::make_unique<rust::rust_runtime>(h); }

}  // namespace promethean
