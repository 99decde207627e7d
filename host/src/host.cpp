// The Host: runtimes by name, lazy start, routing, the dispatch map and the shutdown order.
#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "async_calls.hpp"
#include "remote/remote_runtime.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

namespace promethean {
namespace {
/// Shutdown rank: lower goes first. Rust plugins go last because buffers they made may still be
/// released by the other runtimes' teardown, and the code of their release callbacks lives in them.
int shutdown_rank(std::string_view name) {
  if (name == "meta") return 0;
  if (name == "sh") return 2;
  if (name == "js") return 3;
  if (name == "py") return 4;
  if (name == "rust") return 5;
  return 1;  // an embedder's own runtime: before the built-in engines
}
}  // namespace

struct host::impl {
  mutable std::recursive_mutex mutex;  // recursive: starting one runtime may look up another
  std::map<std::string, runtime_factory, std::less<>> factories;
  std::map<std::string, std::unique_ptr<runtime>, std::less<>> started;
  buffer_type_registry buffer_types;
  view_registry views;
  bool owns_process_signals = true;
  std::filesystem::path main_script;  ///< host::main_script
  std::size_t js_heap_limit_mb = 0;
  js_inspector_options js_inspector;
  std::function<std::unique_ptr<runtime>(host&, std::string_view)> runtime_for_unknown_name;
  std::shared_ptr<detail::async_calls> async;  ///< call_async, eval_async (made with the host)

  // Started runtimes again, for the hot path: every call looks its runtime up, and a mutex there
  // cost more than the rest of a py call's routing. Append-only (written under `mutex`), read
  // without a lock; entries stay valid until the Host is destroyed.
  struct started_entry {
    std::string name;
    std::atomic<runtime*> rt{nullptr};  // cleared when the runtime shuts down
  };
  static constexpr std::size_t k_fast_slots = 32;
  std::array<started_entry, k_fast_slots> fast;
  std::atomic<std::size_t> fast_count{0};

  runtime* find_started(std::string_view name) const noexcept {
    const std::size_t n = fast_count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      if (fast[i].name == name) return fast[i].rt.load(std::memory_order_acquire);
    }
    return nullptr;
  }

  /// Takes a runtime out of the lock-free path before it shuts down; the caller holds `mutex`.
  void unpublish(std::string_view name) {
    const std::size_t n = fast_count.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      if (fast[i].name == name) fast[i].rt.store(nullptr, std::memory_order_release);
    }
  }

  /// Records a started runtime for find_started(); the caller holds `mutex`.
  void publish(const std::string& name, runtime* rt) {
    const std::size_t n = fast_count.load(std::memory_order_relaxed);
    if (n == k_fast_slots) return;  // more runtimes than slots: the rest go the locked way
    fast[n].name = name;
    fast[n].rt.store(rt, std::memory_order_relaxed);
    fast_count.store(n + 1, std::memory_order_release);
  }

  std::string known_names() const {
    std::string s;
    for (const auto& [name, f] : factories) s += (s.empty() ? "" : ", ") + name;
    return s.empty() ? "none" : s;
  }
};

host::host(host_options options) : m_impl(std::make_unique<impl>()) {
  m_impl->async = std::make_shared<detail::async_calls>(*this);
  m_impl->owns_process_signals = options.owns_process_signals;
  m_impl->js_heap_limit_mb = options.js_heap_limit_mb;
  m_impl->js_inspector = options.js_inspector;
  auto offered = options.factories.empty() ? default_runtime_factories() : std::move(options.factories);
  if (options.runtimes.empty()) {
    for (auto& f : offered) m_impl->factories.emplace(f.name, std::move(f));
  } else {
    for (const auto& wanted : options.runtimes) {
      auto it = std::find_if(offered.begin(), offered.end(), [&](const auto& f) { return f.name == wanted; });
      if (it == offered.end()) {
        std::string all;
        for (const auto& f : offered) all += (all.empty() ? "" : ", ") + f.name;
        throw usage_error("unknown runtime '" + wanted + "' (this build has: " + all + ")");
      }
      m_impl->factories.emplace(it->name, *it);
    }
  }
  for (const auto& name : options.isolate) {
    auto f = m_impl->factories.find(name);
    if (f == m_impl->factories.end()) {
      throw usage_error("cannot isolate runtime '" + name + "': unknown (available: " + m_impl->known_names() + ")");
    }
    if (name == "meta") throw usage_error("cannot isolate the meta runtime: it is the host's own language");
    f->second.make = [name](host& h) { return detail::make_remote_runtime(h, name, name); };
  }
  m_impl->runtime_for_unknown_name = std::move(options.runtime_for_unknown_name);
  if (options.start_eagerly) {
    for (const auto& name : runtime_names()) get(name);
  }
}

host::~host() {
  std::vector<std::pair<int, std::string>> order;
  {
    std::lock_guard lock(m_impl->mutex);
    for (const auto& [name, rt] : m_impl->started) order.emplace_back(shutdown_rank(name), name);
  }
  std::sort(order.begin(), order.end());
  // Calls still pending fail now ("Shutdown"), while their consumers' runtimes are all up to hear it.
  m_impl->async->shut_down();
  // Then, with every runtime still up, the work that needs the others ends (Python's non-daemon
  // threads may still call JS); only then does anything stop.
  for (const auto& [rank, name] : order) {
    runtime* rt = nullptr;
    {
      std::lock_guard lock(m_impl->mutex);
      rt = m_impl->started[name].get();
    }
    try {
      rt->before_shutdown();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "promethean: ending %s's work before shutdown failed: %s\n", name.c_str(), e.what());
    }
  }
  // The runtime objects outlive every shutdown: a thread that looked a runtime up just before
  // it was unpublished may still call into it, and is refused there rather than into freed memory.
  std::vector<std::unique_ptr<runtime>> stopped;
  for (const auto& [rank, name] : order) {
    {
      std::lock_guard lock(m_impl->mutex);
      m_impl->unpublish(name);
      stopped.push_back(std::move(m_impl->started[name]));
    }
    try {
      stopped.back()->shutdown();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "promethean: shutting down %s failed: %s\n", name.c_str(), e.what());
    }
  }
  m_impl->async->join();  // the pool's workers were stopped with the runtimes they were in
  for (auto& rt : stopped) rt.reset();  // in the same order
  ledger::instance().check_at_shutdown();
}

bool host::owns_process_signals() const noexcept { return m_impl->owns_process_signals; }

void host::set_main_script(const std::filesystem::path& path) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  std::lock_guard lock(m_impl->mutex);
  m_impl->main_script = ec ? path : absolute;
}

std::filesystem::path host::main_script() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->main_script;
}

runtime& host::get(std::string_view name) {
  if (runtime* rt = m_impl->find_started(name)) return *rt;
  std::lock_guard lock(m_impl->mutex);
  if (auto it = m_impl->started.find(name); it != m_impl->started.end()) {
    // Reached during shutdown, from a runtime that is still finishing (a Python atexit handler
    // calling js, say): a clear error, not a dangling runtime.
    if (!it->second) throw usage_error("the " + std::string(name) + " runtime has already shut down");
    return *it->second;
  }
  std::unique_ptr<runtime> rt;
  if (auto f = m_impl->factories.find(name); f != m_impl->factories.end()) {
    rt = f->second.make(*this);
  } else {
    rt = make_unknown(name);
    // Listed from now on (runtime_names, the dispatch map), as a runtime added.
    m_impl->factories.emplace(std::string(name), runtime_factory{std::string(name), [](host&) -> std::unique_ptr<runtime> {
                                                                   throw usage_error("runtime started twice");
                                                                 }});
  }
  runtime& ref = *rt;
  m_impl->started.emplace(std::string(name), std::move(rt));
  m_impl->publish(std::string(name), &ref);
  return ref;
}

std::unique_ptr<runtime> host::make_unknown(std::string_view name) {
  if (m_impl->runtime_for_unknown_name) {
    if (auto rt = m_impl->runtime_for_unknown_name(*this, name)) return rt;
  }
  // base@instance: an instance of a runtime this host offers, in a worker process of its own.
  const auto at = name.find('@');
  if (at != std::string_view::npos && at > 0 && at + 1 < name.size()) {
    const std::string_view base = name.substr(0, at);
    const std::string_view instance = name.substr(at + 1);
    const bool plain = std::all_of(instance.begin(), instance.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (!plain) {
      throw usage_error("bad runtime instance name '" + std::string(name) +
                        "': the part after @ is letters, digits, '_', '-' or '.'");
    }
    if (base == "meta") throw usage_error("'" + std::string(name) + "': the meta runtime cannot run in another process");
    if (m_impl->factories.count(base)) return detail::make_remote_runtime(*this, std::string(name), std::string(base));
    throw usage_error("unknown runtime '" + std::string(base) + "' in '" + std::string(name) +
                      "' (available: " + m_impl->known_names() + ")");
  }
  throw usage_error("unknown runtime '" + std::string(name) + "' (available: " + m_impl->known_names() + ")");
}

std::vector<std::string> host::runtime_names() const {
  std::lock_guard lock(m_impl->mutex);
  std::vector<std::string> names;
  for (const auto& [name, f] : m_impl->factories) names.push_back(name);
  return names;
}

void host::add_runtime(std::unique_ptr<runtime> rt) {
  std::lock_guard lock(m_impl->mutex);
  std::string name(rt->name());
  if (m_impl->factories.count(name) || m_impl->started.count(name)) {
    throw usage_error("a runtime named '" + name + "' already exists");
  }
  runtime* raw = rt.get();
  m_impl->publish(name, raw);
  m_impl->factories.emplace(name, runtime_factory{name, [raw](host&) -> std::unique_ptr<runtime> {
                                                    throw usage_error("runtime " + std::string(raw->name()) +
                                                                      " was added already started");
                                                  }});
  m_impl->started.emplace(std::move(name), std::move(rt));
}

nlohmann::json host::dispatch_map() {
  nlohmann::json map = nlohmann::json::object();
  for (const auto& name : runtime_names()) map[name] = get(name).describe();
  return map;
}

meta_object host::eval(std::string_view runtime_name, std::string_view code, const call_options& options) {
  runtime& rt = get(runtime_name);
  return meta_object{std::string(rt.name()), rt.eval(code, options)};
}

message host::call(std::string_view runtime_name, std::string_view function, const message& args,
                   const call_options& options) {
  if (!args.value().is_array()) throw usage_error("call arguments must be a JSON array, got " + args.dump());
  return get(runtime_name).call(function, args, options);
}

message host::call_typed(std::string_view runtime_name, std::string_view function, std::span<const argument> args,
                         const call_options& options) {
  return get(runtime_name).call_typed(function, args, options);
}

std::shared_ptr<pending_call> host::call_async(std::string_view runtime_name, std::string_view function,
                                              const message& args, const call_options& options) {
  if (!args.value().is_array()) {
    return pending_call::failed(std::make_exception_ptr(usage_error("call arguments must be a JSON array, got " + args.dump())));
  }
  try {
    return m_impl->async->call(get(runtime_name), function, args, options);
  } catch (...) {
    return pending_call::failed(std::current_exception());
  }
}

std::shared_ptr<pending_call> host::eval_async(std::string_view runtime_name, std::string_view code,
                                              const call_options& options) {
  try {
    return m_impl->async->eval(get(runtime_name), code, options);
  } catch (...) {
    return pending_call::failed(std::current_exception());
  }
}

void host::define(std::string_view runtime_name, const function_definition& definition) {
  get(runtime_name).define(definition);
}

void host::load(std::string_view runtime_name, const std::filesystem::path& path) { get(runtime_name).load(path); }

message host::send_json(std::string_view runtime_name, const message& payload, const call_options& options) {
  return get(runtime_name).send_json(payload, options);
}

void host::set_message_handler(std::string_view runtime_name, std::string_view handler) {
  get(runtime_name).set_message_handler(handler);
}

std::string host::marshal(std::string_view runtime_name, const nlohmann::json& value) {
  return get(runtime_name).marshal(value);
}

std::string host::runtime_for_file(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".sib") return "meta";
  if (ext == ".py") return "py";
  if (ext == ".js" || ext == ".mjs" || ext == ".cjs") return "js";
  if (ext == ".sh") return "sh";
  return {};
}

int host::run_script(const std::filesystem::path& path, const std::vector<std::string>& args) {
  const std::string rt = runtime_for_file(path);
  if (rt.empty()) {
    throw usage_error("cannot tell which runtime runs '" + path.string() +
                      "': expected a .sib, .py, .js, .mjs or .sh file");
  }
  {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->factories.count(rt)) {
      throw usage_error("'" + path.string() + "' needs the " + rt + " runtime, which this build does not have (available: " +
                        m_impl->known_names() + ")");
    }
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw usage_error("no such script: " + path.string());
  set_main_script(path);
  return get(rt).run_script(path, args);
}

std::size_t host::js_heap_limit_mb() const noexcept { return m_impl->js_heap_limit_mb; }

const js_inspector_options& host::js_inspector() const noexcept { return m_impl->js_inspector; }

void host::interrupt() {
  std::lock_guard lock(m_impl->mutex);
  for (auto& [name, rt] : m_impl->started) {
    if (rt) rt->interrupt();
  }
}

void host::cancel_calls() {
  std::lock_guard lock(m_impl->mutex);
  for (auto& [name, rt] : m_impl->started) {
    if (rt) rt->cancel_calls();
  }
}

buffer_type_registry& host::buffer_types() noexcept { return m_impl->buffer_types; }

view_registry& host::views() noexcept { return m_impl->views; }

void host::register_view(std::string_view type, std::string_view name, std::string_view runtime_name,
                         std::string_view function) {
  if (name.empty()) throw usage_error("a view needs a name");
  if (!m_impl->buffer_types.find(type)) {
    auto known = m_impl->buffer_types.names();
    std::string list;
    for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
    throw usage_error("cannot register view '" + std::string(name) + "': no buffer type '" + std::string(type) +
                      "' (registered: " + (list.empty() ? "none" : list) + ")");
  }
  {
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->factories.count(runtime_name) && !m_impl->started.count(runtime_name)) {
      throw usage_error("cannot register view '" + std::string(name) + "': unknown runtime '" +
                        std::string(runtime_name) + "' (available: " + m_impl->known_names() + ")");
    }
  }
  m_impl->views.add(view_entry{std::string(type), std::string(name), std::string(runtime_name), std::string(function)});
}

message host::view(const buffer& b, std::string_view name, const call_options& options) {
  if (!b) throw usage_error("buffer.view of an empty buffer");
  const view_route route = m_impl->views.resolve(b, name, m_impl->buffer_types, [this](std::string_view rt) {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->factories.count(rt) > 0 || m_impl->started.count(rt) > 0;
  });
  const message args(nlohmann::json::array({buffer_to_json(route.arg)}), {route.arg}, {});
  if (route.registered) return call(route.runtime, route.function, args, options);
  try {
    return call(route.runtime, route.function, args, options);
  } catch (const error& e) {
    throw error(e.runtime(), e.type(),
                "buffer.view '" + std::string(name) + "' routed to " + route.runtime + ", which owns buffer " + b.id() +
                    ": " + e.message(),
                e.trace(), e.location());
  }
}

}  // namespace promethean
