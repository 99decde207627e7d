// The C API (promethean.h) over the C++ one. Every entry point runs under detail::c_guard: at the
// C ABI nothing unwinds, failures come back as owned pm_error objects (NULL meaning success), and
// misuse (a NULL handle, bad JSON, an unknown format) is such an error, never a crash.
#include <promethean/promethean.h>

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/dlpack.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/detail/c_guard.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/host_buffers.hpp>
#include <promethean/host/json_text.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

struct pm_host {
  promethean::host host;
};

struct pm_message {
  promethean::message value;
  std::string source;
  std::string json;  // rendered once, so that pm_message_json can lend it
};

namespace {
using promethean::usage_error;
using promethean::detail::c_guard;
using promethean::detail::c_guard_or;

// pm_error's accessors and _delete have the shapes pm_error.h gives the plugin ABI's too.
static_assert(std::is_same_v<decltype(&pm_error_runtime), pm_error_field_fn> &&
              std::is_same_v<decltype(&pm_error_trace), pm_error_field_fn> &&
              std::is_same_v<decltype(&pm_error_delete), pm_error_delete_fn>);

template <class T>
T& deref(T* p, const char* function, const char* what) {
  if (p == nullptr) throw usage_error(std::string(function) + ": " + what + " is NULL");
  return *p;
}

std::string_view text(const char* s, const char* function, const char* what) {
  if (s == nullptr) throw usage_error(std::string(function) + ": " + what + " is NULL");
  return s;
}

nlohmann::json parse_json(const char* s, const char* function, const char* what) {
  const std::string_view t = text(s, function, what);
  try {
    return promethean::parse_json_text(t);
  } catch (const nlohmann::json::parse_error& e) {
    throw promethean::message_error(std::string(function) + ": " + what + " is not valid JSON (" + e.what() + ")");
  } catch (const promethean::message_error& e) {
    throw promethean::message_error(std::string(function) + ": " + what + ": " + e.message());
  }
}

void hand_out(pm_message** out, std::string source, promethean::message value) {
  if (out == nullptr) return;
  auto m = new pm_message{std::move(value), std::move(source), {}};
  try {
    m->json = m->value.dump();
  } catch (...) {
    delete m;
    throw;
  }
  *out = m;
}

/// {"dimension": size, …}: sizes are non-negative integers (a -1 must not wrap round to 2^64-1).
std::map<std::string, std::size_t> sizes_from_json(const nlohmann::json& j, const char* function, const char* what) {
  if (!j.is_object()) {
    throw usage_error(std::string(function) + ": " + what + " must be an object of dimension sizes, got " + j.dump());
  }
  std::map<std::string, std::size_t> sizes;
  for (const auto& [name, size] : j.items()) {
    if (!size.is_number_unsigned()) {
      throw usage_error(std::string(function) + ": " + what + ": the size of '" + name +
                        "' must be a non-negative integer, got " + size.dump());
    }
    sizes[name] = size.get<std::size_t>();
  }
  return sizes;
}

/// {"name", "layout", "format", "fixed"}: the JSON form of buffer_type (buffer_type::from_json),
/// its refusals said as this function's usage errors.
promethean::buffer_type buffer_type_from_json(const nlohmann::json& j) {
  try {
    return promethean::buffer_type::from_json(j);
  } catch (const promethean::buffer_error& e) {
    throw usage_error(std::string("pm_host_register_buffer_type: type_json: ") + e.message());
  }
}

char* copy_string(const std::string& s) {
  char* p = new char[s.size() + 1];
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

/// A C caller's time limit in seconds (0: none) as call options.
promethean::call_options timeout_options(double seconds, const char* function) {
  promethean::call_options options;
  if (std::isnan(seconds) || seconds < 0 || seconds > 1e9) {
    throw usage_error(std::string(function) + ": timeout_seconds must be 0 (no limit) or a positive number of seconds");
  }
  if (seconds > 0) options.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  return options;
}

pm_error* eval_with(pm_host* host, const char* runtime, const char* code, const promethean::call_options& options,
                    const char* function, pm_message** out) {
  return c_guard([&] {
    auto& h = deref(host, function, "host").host;
    auto result = h.eval(text(runtime, function, "runtime"), text(code, function, "code"), options);
    hand_out(out, std::move(result.source), std::move(result.data));
  });
}

pm_error* call_with(pm_host* host, const char* runtime, const char* function_name, const char* args_json,
                    const promethean::call_options& options, const char* function, pm_message** out) {
  return c_guard([&] {
    auto& h = deref(host, function, "host").host;
    const std::string_view rt = text(runtime, function, "runtime");
    const std::string_view fn = text(function_name, function, "function");
    nlohmann::json args = args_json ? parse_json(args_json, function, "args_json") : nlohmann::json::array();
    if (!args.is_array()) throw usage_error(std::string(function) + ": args_json must be a JSON array, got " + args.dump());
    auto result = h.call(rt, fn, promethean::message(std::move(args)), options);
    hand_out(out, std::string(rt), std::move(result));
  });
}

}  // namespace

extern "C" {

// ---- errors ----

const char* pm_error_runtime(const pm_error* e) { return e ? e->e.runtime().c_str() : ""; }
const char* pm_error_type(const pm_error* e) { return e ? e->e.type().c_str() : ""; }
const char* pm_error_message(const pm_error* e) { return e ? e->e.message().c_str() : ""; }
const char* pm_error_trace(const pm_error* e) { return e ? e->e.trace().c_str() : ""; }

void pm_error_delete(pm_error* e) { promethean::detail::c_error_delete(e); }

void pm_string_delete(char* s) { delete[] s; }

// ---- the host ----

pm_error* pm_host_new(const char* runtimes, unsigned flags, pm_host** out) {
  return c_guard([&] {
    deref(out, "pm_host_new", "out");
    if ((flags & ~PM_HOST_START_EAGERLY) != 0) {
      throw usage_error("pm_host_new: unknown flags " + std::to_string(flags & ~PM_HOST_START_EAGERLY) +
                        " (the one flag is PM_HOST_START_EAGERLY)");
    }
    promethean::host_options options;
    options.start_eagerly = (flags & PM_HOST_START_EAGERLY) != 0;
    if (runtimes != nullptr) {
      std::string_view list = runtimes;
      while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        if (name.empty()) throw usage_error("pm_host_new: empty runtime name in \"" + std::string(runtimes) + "\"");
        options.runtimes.emplace_back(name);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
        if (list.empty()) throw usage_error("pm_host_new: empty runtime name in \"" + std::string(runtimes) + "\"");
      }
    }
    *out = new pm_host{promethean::host(std::move(options))};
  });
}

void pm_host_delete(pm_host* host) { delete host; }  // ~host never throws: it reports and goes on

pm_error* pm_host_eval(pm_host* host, const char* runtime, const char* code, pm_message** out) {
  return eval_with(host, runtime, code, {}, "pm_host_eval", out);
}

pm_error* pm_host_call(pm_host* host, const char* runtime, const char* function, const char* args_json,
                       pm_message** out) {
  return call_with(host, runtime, function, args_json, {}, "pm_host_call", out);
}

pm_error* pm_host_eval_with_timeout(pm_host* host, const char* runtime, const char* code, double timeout_seconds,
                                    pm_message** out) {
  promethean::call_options options;
  if (pm_error* e = c_guard([&] { options = timeout_options(timeout_seconds, "pm_host_eval_with_timeout"); })) return e;
  return eval_with(host, runtime, code, options, "pm_host_eval_with_timeout", out);
}

pm_error* pm_host_call_with_timeout(pm_host* host, const char* runtime, const char* function, const char* args_json,
                                    double timeout_seconds, pm_message** out) {
  promethean::call_options options;
  if (pm_error* e = c_guard([&] { options = timeout_options(timeout_seconds, "pm_host_call_with_timeout"); })) return e;
  return call_with(host, runtime, function, args_json, options, "pm_host_call_with_timeout", out);
}

pm_error* pm_host_load(pm_host* host, const char* runtime, const char* path) {
  return c_guard([&] {
    deref(host, "pm_host_load", "host")
        .host.load(text(runtime, "pm_host_load", "runtime"), std::string(text(path, "pm_host_load", "path")));
  });
}

pm_error* pm_host_send_json(pm_host* host, const char* runtime, const char* payload_json, pm_message** out) {
  return c_guard([&] {
    auto& h = deref(host, "pm_host_send_json", "host").host;
    const std::string_view rt = text(runtime, "pm_host_send_json", "runtime");
    auto reply = h.send_json(rt, promethean::message(parse_json(payload_json, "pm_host_send_json", "payload_json")));
    hand_out(out, std::string(rt), std::move(reply));
  });
}

pm_error* pm_host_set_message_handler(pm_host* host, const char* runtime, const char* handler) {
  return c_guard([&] {
    deref(host, "pm_host_set_message_handler", "host")
        .host.set_message_handler(text(runtime, "pm_host_set_message_handler", "runtime"),
                                  text(handler, "pm_host_set_message_handler", "handler"));
  });
}

pm_error* pm_host_register_buffer_type(pm_host* host, const char* type_json) {
  return c_guard([&] {
    auto& h = deref(host, "pm_host_register_buffer_type", "host").host;
    h.buffer_types().add(buffer_type_from_json(parse_json(type_json, "pm_host_register_buffer_type", "type_json")));
  });
}

pm_error* pm_host_runtimes(pm_host* host, char** out) {
  return c_guard([&] {
    auto& h = deref(host, "pm_host_runtimes", "host").host;
    deref(out, "pm_host_runtimes", "out");
    *out = copy_string(nlohmann::json(h.runtime_names()).dump());
  });
}

// ---- messages ----

const char* pm_message_json(const pm_message* m) { return m ? m->json.c_str() : "null"; }
const char* pm_message_source(const pm_message* m) { return m ? m->source.c_str() : ""; }
size_t pm_message_buffer_count(const pm_message* m) { return m ? m->value.buffers().size() : 0; }

pm_buffer* pm_message_buffer(const pm_message* m, size_t index) {
  if (m == nullptr || index >= m->value.buffers().size()) return nullptr;
  return c_guard_or<pm_buffer*>(nullptr, [&] { return new pm_buffer{m->value.buffers()[index]}; });
}

void pm_message_delete(pm_message* m) { delete m; }

// ---- buffers ----

pm_error* pm_buffer_create(pm_host* host, const char* format, size_t ndim, const size_t* shape, pm_buffer** out) {
  return c_guard([&] {
    auto& h = deref(host, "pm_buffer_create", "host").host;
    deref(out, "pm_buffer_create", "out");
    if (ndim > 0 && shape == nullptr) throw usage_error("pm_buffer_create: ndim is " + std::to_string(ndim) + " but shape is NULL");
    promethean::buffer b = h.buffers().create(text(format, "pm_buffer_create", "format"),
                                              promethean::shape_t(shape, shape + ndim));
    *out = new pm_buffer{std::move(b)};
  });
}

pm_error* pm_buffer_create_typed(pm_host* host, const char* type_name, const char* sizes_json, pm_buffer** out) {
  return c_guard([&] {
    constexpr const char* fn = "pm_buffer_create_typed";
    auto& h = deref(host, fn, "host").host;
    deref(out, fn, "out");
    const std::string_view type = text(type_name, fn, "type_name");
    const auto sizes = sizes_from_json(parse_json(sizes_json, fn, "sizes_json"), fn, "sizes_json");
    *out = new pm_buffer{h.buffers().create_typed(type, sizes)};
  });
}

pm_error* pm_buffer_get(pm_host* host, const char* id, pm_buffer** out) {
  return c_guard([&] {
    auto& h = deref(host, "pm_buffer_get", "host").host;
    deref(out, "pm_buffer_get", "out");
    *out = new pm_buffer{h.buffers().get(text(id, "pm_buffer_get", "id"))};
  });
}

pm_buffer* pm_buffer_retain(const pm_buffer* b) {
  return b ? c_guard_or<pm_buffer*>(nullptr, [&] { return new pm_buffer{b->b}; }) : nullptr;
}
void pm_buffer_delete(pm_buffer* b) { delete b; }

// cdata(): a read-only buffer's memory is handed out too; the header says not to write it.
void* pm_buffer_data(const pm_buffer* b) { return b ? const_cast<std::byte*>(b->b.cdata()) : nullptr; }
size_t pm_buffer_ndim(const pm_buffer* b) { return b ? b->b.ndim() : 0; }
const size_t* pm_buffer_shape(const pm_buffer* b) { return b ? b->b.shape().data() : nullptr; }
const ptrdiff_t* pm_buffer_strides(const pm_buffer* b) { return b ? b->b.strides().data() : nullptr; }

const char* pm_buffer_format(const pm_buffer* b) {
  // dtype_name() views string literals, which are NUL-terminated.
  return b ? promethean::dtype_name(b->b.format()).data() : "";
}

size_t pm_buffer_itemsize(const pm_buffer* b) { return b ? b->b.itemsize() : 0; }
size_t pm_buffer_nbytes(const pm_buffer* b) { return b ? b->b.nbytes() : 0; }
int pm_buffer_readonly(const pm_buffer* b) { return b && b->b.readonly() ? 1 : 0; }
const char* pm_buffer_id(const pm_buffer* b) { return b ? b->b.id().c_str() : ""; }
const char* pm_buffer_type(const pm_buffer* b) { return b ? b->b.type_name().c_str() : ""; }

char* pm_buffer_json(const pm_buffer* b) {
  if (b == nullptr) return nullptr;
  return c_guard_or<char*>(nullptr, [&] { return copy_string(promethean::buffer_to_json(b->b).dump()); });
}

pm_error* pm_buffer_from_dlpack(struct DLManagedTensor* tensor, pm_buffer** out) {
  // Ownership passes in every case (dlpack.hpp): no path leaves the caller a tensor to free.
  return c_guard([&] {
    if (out == nullptr) {
      promethean::buffer taken = promethean::buffer_from_dlpack(tensor);  // taken, and dropped at once
      throw usage_error("pm_buffer_from_dlpack: out is NULL (the tensor was taken and released)");
    }
    *out = new pm_buffer{promethean::buffer_from_dlpack(tensor)};
  });
}

pm_error* pm_buffer_to_dlpack(const pm_buffer* b, struct DLManagedTensor** out) {
  return c_guard([&] {
    const auto& held = deref(b, "pm_buffer_to_dlpack", "buffer");
    deref(out, "pm_buffer_to_dlpack", "out");
    *out = promethean::buffer_to_dlpack(held.b);
  });
}

}  // extern "C"
