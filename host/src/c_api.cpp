// The C API (promethean.h) over the C++ one. Every entry point catches everything: at the C ABI
// nothing unwinds, failures come back as owned pm_err_t objects (NULL meaning success), and
// misuse (a NULL handle, bad JSON, an unknown format) is such an error, never a crash.
#include <promethean/promethean.h>

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/host_buffers.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct pm_host_s {
  promethean::host host;
};

struct pm_buf_s {
  promethean::buffer buffer;
};

struct pm_message_s {
  promethean::message value;
  std::string source;
  std::string json;  // rendered once, so that pm_message_json can lend it
};

struct pm_err_s {
  promethean::error error;
};

namespace {
using promethean::usage_error;

// Handed out when even an error cannot be allocated; pm_error_delete knows not to free it.
pm_err_t* out_of_memory_error() noexcept {
  static pm_err_s oom{promethean::error("host", "MemoryError", "out of memory")};
  return &oom;
}

/// Runs `f`, turning any exception into an owned error (NULL on success).
template <class F>
pm_err_t* guarded(F&& f) noexcept {
  try {
    try {
      f();
      return nullptr;
    } catch (const promethean::error& e) {
      return new pm_err_s{e};
    } catch (const std::bad_alloc&) {
      return out_of_memory_error();
    } catch (const std::exception& e) {
      return new pm_err_s{promethean::error("host", "InternalError", e.what())};
    } catch (...) {
      return new pm_err_s{promethean::error("host", "InternalError", "unknown exception in the host")};
    }
  } catch (...) {
    return out_of_memory_error();  // allocating the error itself failed
  }
}

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
    return nlohmann::json::parse(t);
  } catch (const nlohmann::json::parse_error& e) {
    throw promethean::message_error(std::string(function) + ": " + what + " is not valid JSON (" + e.what() + ")");
  }
}

void hand_out(pm_message_t** out, std::string source, promethean::message value) {
  if (out == nullptr) return;
  auto m = new pm_message_s{std::move(value), std::move(source), {}};
  try {
    m->json = m->value.dump();
  } catch (...) {
    delete m;
    throw;
  }
  *out = m;
}

/// A JSON value of an expected shape, or a usage_error naming the parameter and what was expected.
template <class T>
T json_as(const nlohmann::json& j, const char* function, const std::string& what, const char* expected) {
  try {
    return j.get<T>();
  } catch (const nlohmann::json::exception&) {
    throw usage_error(std::string(function) + ": " + what + " must be " + expected + ", got " + j.dump());
  }
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

/// {"name", "layout", "format", "fixed"}: the JSON form of buffer_type (buffer_type::to_json).
promethean::buffer_type buffer_type_from_json(const nlohmann::json& j) {
  constexpr const char* fn = "pm_host_register_buffer_type";
  if (!j.is_object()) throw usage_error(std::string(fn) + ": type_json must be an object, got " + j.dump());
  for (const auto& [key, value] : j.items()) {
    if (key != "name" && key != "layout" && key != "format" && key != "fixed") {
      throw usage_error(std::string(fn) + ": unknown key '" + key + "' (expected name, layout, format, fixed)");
    }
  }
  auto name = json_as<std::string>(j.value("name", nlohmann::json()), fn, "\"name\"", "a string");
  auto layout = json_as<std::vector<std::string>>(j.value("layout", nlohmann::json()), fn, "\"layout\"",
                                                  "an array of dimension names");
  std::optional<std::string> format;
  if (j.contains("format") && !j["format"].is_null()) {
    format = json_as<std::string>(j["format"], fn, "\"format\"", "a format name or null");
  }
  std::map<std::string, std::size_t> fixed;
  if (j.contains("fixed")) {
    fixed = sizes_from_json(j["fixed"], fn, "\"fixed\"");
  }
  return promethean::buffer_type::make(std::move(name), layout,
                                       format ? std::optional<std::string_view>(*format) : std::nullopt, fixed);
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

pm_err_t* eval_with(pm_host_t* host, const char* runtime, const char* code, const promethean::call_options& options,
                    const char* function, pm_message_t** out) {
  return guarded([&] {
    auto& h = deref(host, function, "host").host;
    auto result = h.eval(text(runtime, function, "runtime"), text(code, function, "code"), options);
    hand_out(out, std::move(result.source), std::move(result.data));
  });
}

pm_err_t* call_with(pm_host_t* host, const char* runtime, const char* function_name, const char* args_json,
                    const promethean::call_options& options, const char* function, pm_message_t** out) {
  return guarded([&] {
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

const char* pm_error_runtime(const pm_err_t* e) { return e ? e->error.runtime().c_str() : ""; }
const char* pm_error_type(const pm_err_t* e) { return e ? e->error.type().c_str() : ""; }
const char* pm_error_message(const pm_err_t* e) { return e ? e->error.message().c_str() : ""; }
const char* pm_error_trace(const pm_err_t* e) { return e ? e->error.trace().c_str() : ""; }

void pm_error_delete(pm_err_t* e) {
  if (e != out_of_memory_error()) delete e;
}

void pm_string_delete(char* s) { delete[] s; }

// ---- the host ----

pm_err_t* pm_host_new(const char* runtimes, unsigned flags, pm_host_t** out) {
  return guarded([&] {
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
    *out = new pm_host_s{promethean::host(std::move(options))};
  });
}

void pm_host_delete(pm_host_t* host) { delete host; }  // ~host never throws: it reports and goes on

pm_err_t* pm_host_eval(pm_host_t* host, const char* runtime, const char* code, pm_message_t** out) {
  return eval_with(host, runtime, code, {}, "pm_host_eval", out);
}

pm_err_t* pm_host_call(pm_host_t* host, const char* runtime, const char* function, const char* args_json,
                       pm_message_t** out) {
  return call_with(host, runtime, function, args_json, {}, "pm_host_call", out);
}

pm_err_t* pm_host_eval_with_timeout(pm_host_t* host, const char* runtime, const char* code, double timeout_seconds,
                                    pm_message_t** out) {
  promethean::call_options options;
  if (pm_err_t* e = guarded([&] { options = timeout_options(timeout_seconds, "pm_host_eval_with_timeout"); })) return e;
  return eval_with(host, runtime, code, options, "pm_host_eval_with_timeout", out);
}

pm_err_t* pm_host_call_with_timeout(pm_host_t* host, const char* runtime, const char* function, const char* args_json,
                                    double timeout_seconds, pm_message_t** out) {
  promethean::call_options options;
  if (pm_err_t* e = guarded([&] { options = timeout_options(timeout_seconds, "pm_host_call_with_timeout"); })) return e;
  return call_with(host, runtime, function, args_json, options, "pm_host_call_with_timeout", out);
}

pm_err_t* pm_host_load(pm_host_t* host, const char* runtime, const char* path) {
  return guarded([&] {
    deref(host, "pm_host_load", "host")
        .host.load(text(runtime, "pm_host_load", "runtime"), std::string(text(path, "pm_host_load", "path")));
  });
}

pm_err_t* pm_host_send_json(pm_host_t* host, const char* runtime, const char* payload_json, pm_message_t** out) {
  return guarded([&] {
    auto& h = deref(host, "pm_host_send_json", "host").host;
    const std::string_view rt = text(runtime, "pm_host_send_json", "runtime");
    auto reply = h.send_json(rt, promethean::message(parse_json(payload_json, "pm_host_send_json", "payload_json")));
    hand_out(out, std::string(rt), std::move(reply));
  });
}

pm_err_t* pm_host_set_message_handler(pm_host_t* host, const char* runtime, const char* handler) {
  return guarded([&] {
    deref(host, "pm_host_set_message_handler", "host")
        .host.set_message_handler(text(runtime, "pm_host_set_message_handler", "runtime"),
                                  text(handler, "pm_host_set_message_handler", "handler"));
  });
}

pm_err_t* pm_host_register_buffer_type(pm_host_t* host, const char* type_json) {
  return guarded([&] {
    auto& h = deref(host, "pm_host_register_buffer_type", "host").host;
    h.buffer_types().add(buffer_type_from_json(parse_json(type_json, "pm_host_register_buffer_type", "type_json")));
  });
}

pm_err_t* pm_host_runtimes(pm_host_t* host, char** out) {
  return guarded([&] {
    auto& h = deref(host, "pm_host_runtimes", "host").host;
    deref(out, "pm_host_runtimes", "out");
    *out = copy_string(nlohmann::json(h.runtime_names()).dump());
  });
}

// ---- messages ----

const char* pm_message_json(const pm_message_t* m) { return m ? m->json.c_str() : "null"; }
const char* pm_message_source(const pm_message_t* m) { return m ? m->source.c_str() : ""; }
size_t pm_message_buffer_count(const pm_message_t* m) { return m ? m->value.buffers().size() : 0; }

pm_buf_t* pm_message_buffer(const pm_message_t* m, size_t index) {
  if (m == nullptr || index >= m->value.buffers().size()) return nullptr;
  return new (std::nothrow) pm_buf_s{m->value.buffers()[index]};
}

void pm_message_delete(pm_message_t* m) { delete m; }

// ---- buffers ----

pm_err_t* pm_buffer_create(pm_host_t* host, const char* format, size_t ndim, const size_t* shape, pm_buf_t** out) {
  return guarded([&] {
    auto& h = deref(host, "pm_buffer_create", "host").host;
    deref(out, "pm_buffer_create", "out");
    if (ndim > 0 && shape == nullptr) throw usage_error("pm_buffer_create: ndim is " + std::to_string(ndim) + " but shape is NULL");
    promethean::buffer b = h.buffers().create(text(format, "pm_buffer_create", "format"),
                                              promethean::shape_t(shape, shape + ndim));
    *out = new pm_buf_s{std::move(b)};
  });
}

pm_err_t* pm_buffer_create_typed(pm_host_t* host, const char* type_name, const char* sizes_json, pm_buf_t** out) {
  return guarded([&] {
    constexpr const char* fn = "pm_buffer_create_typed";
    auto& h = deref(host, fn, "host").host;
    deref(out, fn, "out");
    const std::string_view type = text(type_name, fn, "type_name");
    const auto sizes = sizes_from_json(parse_json(sizes_json, fn, "sizes_json"), fn, "sizes_json");
    *out = new pm_buf_s{h.buffers().create_typed(type, sizes)};
  });
}

pm_err_t* pm_buffer_get(pm_host_t* host, const char* id, pm_buf_t** out) {
  return guarded([&] {
    auto& h = deref(host, "pm_buffer_get", "host").host;
    deref(out, "pm_buffer_get", "out");
    *out = new pm_buf_s{h.buffers().get(text(id, "pm_buffer_get", "id"))};
  });
}

pm_buf_t* pm_buffer_retain(const pm_buf_t* b) { return b ? new (std::nothrow) pm_buf_s{b->buffer} : nullptr; }
void pm_buffer_release(pm_buf_t* b) { delete b; }

// cdata(): a read-only buffer's memory is handed out too; the header says not to write it.
void* pm_buffer_data(const pm_buf_t* b) { return b ? const_cast<std::byte*>(b->buffer.cdata()) : nullptr; }
size_t pm_buffer_ndim(const pm_buf_t* b) { return b ? b->buffer.ndim() : 0; }
const size_t* pm_buffer_shape(const pm_buf_t* b) { return b ? b->buffer.shape().data() : nullptr; }
const ptrdiff_t* pm_buffer_strides(const pm_buf_t* b) { return b ? b->buffer.strides().data() : nullptr; }

const char* pm_buffer_format(const pm_buf_t* b) {
  // dtype_name() views string literals, which are NUL-terminated.
  return b ? promethean::dtype_name(b->buffer.format()).data() : "";
}

size_t pm_buffer_itemsize(const pm_buf_t* b) { return b ? b->buffer.itemsize() : 0; }
size_t pm_buffer_nbytes(const pm_buf_t* b) { return b ? b->buffer.nbytes() : 0; }
int pm_buffer_readonly(const pm_buf_t* b) { return b && b->buffer.readonly() ? 1 : 0; }
const char* pm_buffer_id(const pm_buf_t* b) { return b ? b->buffer.id().c_str() : ""; }
const char* pm_buffer_type(const pm_buf_t* b) { return b ? b->buffer.type_name().c_str() : ""; }

char* pm_buffer_json(const pm_buf_t* b) {
  if (b == nullptr) return nullptr;
  try {
    return copy_string(promethean::buffer_to_json(b->buffer).dump());
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
