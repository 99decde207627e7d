// The host table a plugin calls (pm_host_api): errors, buffers, results and calls into any
// runtime. Every entry that can throw runs under detail::c_guard: a C++ exception, std::bad_alloc
// included, never crosses into plugin code.
#include "abi_objects.hpp"
#include "plugin_library.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/dtype.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/type_tag.hpp>

#include <cstring>
#include <optional>
#include <string>

namespace promethean::rust {
namespace {
// The ABI's dtype numbers are Promethean's dtype enumerators, in the same order.
static_assert(static_cast<int>(dtype::int8) == PM_DTYPE_INT8 && static_cast<int>(dtype::uint8) == PM_DTYPE_UINT8 &&
              static_cast<int>(dtype::int16) == PM_DTYPE_INT16 && static_cast<int>(dtype::uint16) == PM_DTYPE_UINT16 &&
              static_cast<int>(dtype::int32) == PM_DTYPE_INT32 && static_cast<int>(dtype::uint32) == PM_DTYPE_UINT32 &&
              static_cast<int>(dtype::int64) == PM_DTYPE_INT64 && static_cast<int>(dtype::uint64) == PM_DTYPE_UINT64 &&
              static_cast<int>(dtype::float32) == PM_DTYPE_FLOAT32 &&
              static_cast<int>(dtype::float64) == PM_DTYPE_FLOAT64);
// Shapes and strides are handed out as they are stored.
static_assert(sizeof(std::size_t) == sizeof(std::uint64_t) && sizeof(std::ptrdiff_t) == sizeof(std::int64_t));

plugin_library& library_of(const pm_host_api* api) { return *static_cast<plugin_library*>(api->context); }

dtype checked_dtype(std::uint32_t d) {
  if (d > PM_DTYPE_FLOAT64) throw plugin_error("BufferError", "unknown dtype number " + std::to_string(d));
  return static_cast<dtype>(d);
}

shape_t shape_of(std::uint32_t ndim, const std::uint64_t* shape) {
  if (ndim > 0 && shape == nullptr) throw plugin_error("BufferError", "ndim > 0 but shape is NULL");
  return shape_t(shape, shape + ndim);
}

using detail::c_guard;
using detail::c_guard_or;

pm_error* error_new_with_trace(const pm_host_api* api, const char* type, const char* message, const char* trace) {
  pm_error* made = nullptr;
  pm_error* failed = c_guard([&] {
    std::string lines = trace != nullptr && *trace != '\0' ? std::string(trace) + "\n" : std::string();
    made = detail::c_error_new(plugin_error(type ? type : "Error", message ? message : "",
                                            lines + "in plugin " + library_of(api).name()));
  });
  return failed != nullptr ? failed : made;  // out of memory: the out-of-memory error, still an error
}

pm_error* error_new(const pm_host_api* api, const char* type, const char* message) {
  return error_new_with_trace(api, type, message, nullptr);
}

void error_delete(pm_error* e) { detail::c_error_delete(e); }
// The accessors only lend strings the error holds: nothing in them can throw.
const char* error_runtime(const pm_error* e) { return e->e.runtime().c_str(); }
const char* error_type(const pm_error* e) { return e->e.type().c_str(); }
const char* error_message(const pm_error* e) { return e->e.message().c_str(); }
const char* error_trace(const pm_error* e) { return e->e.trace().c_str(); }

pm_error* buffer_create(const pm_host_api* api, std::uint32_t d, std::uint32_t ndim, const std::uint64_t* shape,
                        const char* type_name, pm_buffer** out) {
  return c_guard([&] {
    buffer b = buffer::allocate(checked_dtype(d), shape_of(ndim, shape), {.language = "rust"});
    if (type_name != nullptr && *type_name != '\0') b = library_of(api).owner().buffer_types().apply(b, type_name);
    *out = new pm_buffer{std::move(b)};
  });
}

pm_error* buffer_adopt(const pm_host_api* api, void* data, std::uint32_t d, std::uint32_t ndim,
                       const std::uint64_t* shape, void (*release)(void*), void* release_context, pm_buffer** out) {
  // The release runs exactly once: by the buffer, or here when no buffer could be made.
  bool handed_over = false;
  pm_error* e = c_guard([&] {
    const dtype format = checked_dtype(d);
    shape_t dims = shape_of(ndim, shape);
    std::size_t count = 1;
    for (auto n : dims) count *= n;
    if (data == nullptr && count > 0) throw plugin_error("BufferError", "buffer_adopt of NULL data");
    // The buffer keeps the library mapped: the release callback's code lives in it.
    auto keep = library_of(api).shared_from_this();
    adopt_options options;
    options.language = "rust";
    buffer b = buffer::adopt(static_cast<std::byte*>(data), count * dtype_size(format),
                             [release, release_context, keep]() {
                               if (release != nullptr) release(release_context);
                             },
                             format, std::move(dims), options);
    handed_over = true;
    *out = new pm_buffer{std::move(b)};
  });
  if (e != nullptr && !handed_over && release != nullptr) release(release_context);
  return e;
}

pm_buffer* buffer_retain(const pm_buffer* b) {
  return c_guard_or<pm_buffer*>(nullptr, [&] { return new pm_buffer{b->b}; });
}

void buffer_delete(pm_buffer* b) { delete b; }

// fill_view copies pointers and numbers: nothing to throw.
void buffer_view(const pm_buffer* b, pm_buffer_view* out) { fill_view(b->b, const_cast<pm_buffer*>(b), *out); }

pm_error* result_set_json(pm_result* r, const char* json, std::size_t length) {
  return c_guard([&] {
    try {
      r->value = parse_json_text(std::string_view(json, length));
      r->whole_buffer.reset();
    } catch (const nlohmann::json::parse_error& e) {
      throw plugin_error("NotJSON", std::string("result_set_json: ") + e.what());
    } catch (const message_error& e) {
      throw plugin_error("NotJSON", "result_set_json: " + e.message());
    }
  });
}

std::size_t result_add_buffer(pm_result* r, pm_buffer* b) {
  std::unique_ptr<pm_buffer> owned(b);  // taken over, also when the push fails
  return c_guard_or(static_cast<std::size_t>(-1), [&] {
    r->buffers.push_back(owned->b);
    return r->buffers.size() - 1;
  });
}

pm_error* result_set_buffer(pm_result* r, pm_buffer* b) {
  std::unique_ptr<pm_buffer> owned(b);  // taken over, also on failure
  return c_guard([&] {
    if (owned == nullptr) throw plugin_error("BadResult", "result_set_buffer: the buffer is NULL");
    r->buffers.push_back(std::move(owned->b));
    r->whole_buffer = r->buffers.size() - 1;
    r->value = nullptr;
  });
}

const char* result_json(const pm_result* r, std::size_t* length) {
  auto* mutable_result = const_cast<pm_result*>(r);
  const char* text = c_guard_or<const char*>(nullptr, [&] {
    if (r->whole_buffer) {
      nlohmann::json handle = buffer_to_json(r->buffers[*r->whole_buffer]);
      handle["view"] = *r->whole_buffer;
      mutable_result->text = handle.dump();
    } else {
      mutable_result->text = r->value.dump();
    }
    return mutable_result->text.c_str();
  });
  if (length != nullptr) *length = text != nullptr ? mutable_result->text.size() : 0;
  return text;
}

std::size_t result_buffer_count(const pm_result* r) { return r->buffers.size(); }

void result_buffer_view(const pm_result* r, std::size_t i, pm_buffer_view* out) {
  auto* mutable_result = const_cast<pm_result*>(r);
  const bool filled = c_guard_or(false, [&] {
    auto& ref = mutable_result->refs.emplace_back(std::make_unique<pm_buffer>(pm_buffer{r->buffers.at(i)}));
    fill_view(ref->b, ref.get(), *out);
    return true;
  });
  if (!filled) std::memset(out, 0, sizeof *out);
}

void result_delete(pm_result* r) { delete r; }

pm_error* host_call(const pm_host_api* api, const char* runtime, const char* function, const char* args_json,
               std::size_t args_length, pm_buffer* const* buffers, std::size_t buffer_count, pm_result** out) {
  return c_guard([&] {
    nlohmann::json args;
    try {
      args = parse_json_text(std::string_view(args_json, args_length));
    } catch (const nlohmann::json::parse_error& e) {
      throw plugin_error("NotJSON", std::string("call: the arguments are not JSON: ") + e.what());
    } catch (const message_error& e) {
      throw plugin_error("NotJSON", "call: the arguments: " + e.message());
    }
    std::vector<buffer> views;
    views.reserve(buffer_count);
    for (std::size_t i = 0; i < buffer_count; ++i) views.push_back(buffers[i]->b);
    message m = from_abi(args, views, "call");
    message reply = library_of(api).owner().call(runtime, function, m);
    auto result = std::make_unique<pm_result>();
    to_abi(reply, result->value, result->buffers);
    *out = result.release();
  });
}
// -- 1.2: pending results --

pm_result* result_new(const pm_host_api*) {
  return c_guard_or<pm_result*>(nullptr, [] { return new pm_result(); });
}

pm_error* pending_new(const pm_host_api* api, pm_pending** out) {
  return c_guard([&] {
    auto p = std::make_unique<pm_pending>();
    p->call = pending_call::make();
    p->plugin = library_of(api).name();
    *out = p.release();
  });
}

pm_error* result_set_pending(pm_result* r, const pm_pending* p) {
  return c_guard([&] {
    if (p == nullptr) throw plugin_error("BadResult", "result_set_pending: the pending result is NULL");
    r->pending = p->call;
    r->whole_buffer.reset();
    r->value = nullptr;
  });
}

pm_pending* pending_retain(const pm_pending* p) {
  auto* mutable_pending = const_cast<pm_pending*>(p);
  mutable_pending->refs.fetch_add(1, std::memory_order_relaxed);
  return mutable_pending;
}

void pending_delete(pm_pending* p) {
  if (p == nullptr || p->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::unique_ptr<pm_pending> last(p);
  // Nothing thrown past here: a failure to make the error still settles the call (with the
  // out-of-memory error, by c_guard's conversion).
  if (last->call->done()) return;
  pm_error* e = c_guard([&] {
    last->call->fail(std::make_exception_ptr(plugin_error(
        "PendingDropped",
        "plugin " + last->plugin + " gave up its pending result without completing it (every reference to it was "
        "deleted, e.g. the thread that was to complete it ended or panicked)",
        "[rust] in plugin " + last->plugin)));
  });
  if (e != nullptr) {
    last->call->fail(std::make_exception_ptr(detail::c_error_take(e)));
  }
}

int pending_complete(pm_pending* p, pm_result* value) {
  std::unique_ptr<pm_result> owned(value);  // taken over, whatever happens
  int settled = 0;
  pm_error* e = c_guard([&] {
    if (p->call->done()) return;
    if (owned == nullptr) throw plugin_error("BadResult", "pending_complete: the result is NULL");
    message m = from_abi(std::move(*owned), "plugin " + p->plugin);
    settled = p->call->complete(std::move(m)) ? 1 : 0;
  });
  // A result the host cannot read fails the call with that error.
  if (e != nullptr) settled = p->call->fail(std::make_exception_ptr(detail::c_error_take(e))) ? 1 : 0;
  return settled;
}

int pending_fail(pm_pending* p, pm_error* failed) {
  int settled = 0;
  pm_error* e = c_guard([&] {
    if (failed == nullptr) throw plugin_error("BadResult", "pending_fail: the error is NULL");
    error taken = detail::c_error_take(failed);
    failed = nullptr;
    std::string trace = "[rust] in plugin " + p->plugin;
    if (!taken.trace().empty()) trace = taken.trace() + "\n" + trace;
    // The plugin's own error stays a plugin_error; another runtime's passes through as it was.
    std::exception_ptr why = taken.runtime() == "rust"
                                 ? std::make_exception_ptr(plugin_error(taken.type(), taken.message(), trace))
                                 : std::make_exception_ptr(error(taken.runtime(), taken.type(), taken.message(), trace));
    settled = p->call->fail(why) ? 1 : 0;
  });
  if (failed != nullptr) detail::c_error_delete(failed);
  if (e != nullptr) settled = p->call->fail(std::make_exception_ptr(detail::c_error_take(e))) ? 1 : 0;
  return settled;
}

int pending_cancelled(const pm_pending* p) { return p->call->done() ? 1 : 0; }
}  // namespace

void fill_view(const buffer& b, pm_buffer* ref, pm_buffer_view& out) {
  std::memset(&out, 0, sizeof out);
  out.struct_size = sizeof(pm_buffer_view);
  out.dtype = static_cast<std::uint32_t>(b.format());
  out.data = const_cast<std::byte*>(b.cdata());
  out.byte_length = b.nbytes();
  out.ndim = static_cast<std::uint32_t>(b.ndim());
  out.readonly = b.readonly() ? 1 : 0;
  out.shape = reinterpret_cast<const std::uint64_t*>(b.shape().data());
  out.strides = reinterpret_cast<const std::int64_t*>(b.strides().data());
  out.type_name = b.type_name().c_str();
  out.buffer_id = b.id().c_str();
  out.buffer = ref;
}

namespace {
/// A copy of `j` in which every object `replace` returns a value for is that value (and is not
/// looked into); everything else is copied as it is.
template <class F>
nlohmann::json rebuild(const nlohmann::json& j, F& replace) {
  if (j.is_object()) {
    if (std::optional<nlohmann::json> replaced = replace(j)) return std::move(*replaced);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) out[k] = rebuild(v, replace);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(rebuild(v, replace));
    return out;
  }
  return j;
}
}  // namespace

void to_abi(const message& m, nlohmann::json& value, std::vector<buffer>& buffers) {
  // rebuild walks objects in key order, arrays by index, and does not enter a handle: the
  // message's walk order, so the cursor hands over each handle's buffer without an id lookup.
  // A buffer named twice gets one view, found by its serial (a handful of buffers: a scan).
  message::cursor cursor(m);
  auto annotate = [&](const nlohmann::json& j) -> std::optional<nlohmann::json> {
    if (!is_buffer_handle(j)) return std::nullopt;
    const buffer& b = cursor.next_buffer(j);
    std::size_t view = 0;
    while (view < buffers.size() && buffers[view].serial() != b.serial()) ++view;
    if (view == buffers.size()) buffers.push_back(b);
    nlohmann::json annotated = j;
    annotated["view"] = view;
    return annotated;
  };
  value = rebuild(m.value(), annotate);
}

message from_abi(const nlohmann::json& value, const std::vector<buffer>& buffers, const std::string& who) {
  std::vector<buffer> held;
  auto resolve = [&](const nlohmann::json& j) -> std::optional<nlohmann::json> {
    auto view = j.find("view");
    if (view == j.end()) {
      // The message is built in walk order without a second walk, so a handle that names
      // nothing the result holds is refused here, where it came in.
      if (is_buffer_handle(j) || function_handle::is_handle(j)) {
        throw message_error(who + ": the result has a handle that is not one of its views (" + j.dump() +
                            "); the message carrying it does not hold what it names");
      }
      return std::nullopt;
    }
    if (!has_type_tag(j, "Buffer")) return std::nullopt;
    if (!view->is_number_unsigned() && !view->is_number_integer()) {
      throw plugin_error("BadResult", who + ": a Buffer's \"view\" must be an index, got " + view->dump());
    }
    const auto i = view->get<std::int64_t>();
    if (i < 0 || static_cast<std::size_t>(i) >= buffers.size()) {
      throw plugin_error("BadResult", who + ": Buffer view " + std::to_string(i) + " does not exist (there are " +
                                          std::to_string(buffers.size()) + " buffers)");
    }
    held.push_back(buffers[static_cast<std::size_t>(i)]);
    return buffer_to_json(held.back());
  };
  nlohmann::json resolved = rebuild(value, resolve);
  // rebuild visits the handles in walk order, so `held` is already the message's order.
  return message(message::in_walk_order, std::move(resolved), std::move(held), {});
}

message from_abi(pm_result&& result, const std::string& who) {
  if (result.whole_buffer) {
    // The plugin said "this buffer": its handle is made from the buffer itself, nothing parsed.
    buffer whole = std::move(result.buffers[*result.whole_buffer]);
    nlohmann::json handle = buffer_to_json(whole);
    std::vector<buffer> held;
    held.push_back(std::move(whole));
    return message(message::in_walk_order, std::move(handle), std::move(held), {});
  }
  return from_abi(result.value, result.buffers, who);
}

void fill_host_api(pm_host_api& api, plugin_library* library) {
  std::memset(&api, 0, sizeof api);
  api.struct_size = sizeof(pm_host_api);
  api.abi_major = PM_PLUGIN_ABI_MAJOR;
  api.abi_minor = PM_PLUGIN_ABI_MINOR;
  api.context = library;
  api.error_new = error_new;
  api.error_delete = error_delete;
  api.error_runtime = error_runtime;
  api.error_type = error_type;
  api.error_message = error_message;
  api.error_trace = error_trace;
  api.buffer_create = buffer_create;
  api.buffer_adopt = buffer_adopt;
  api.buffer_retain = buffer_retain;
  api.buffer_delete = buffer_delete;
  api.buffer_view = buffer_view;
  api.result_set_json = result_set_json;
  api.result_add_buffer = result_add_buffer;
  api.result_json = result_json;
  api.result_buffer_count = result_buffer_count;
  api.result_buffer_view = result_buffer_view;
  api.result_delete = result_delete;
  api.host_call = host_call;
  api.result_set_buffer = result_set_buffer;
  api.result_new = result_new;
  api.pending_new = pending_new;
  api.result_set_pending = result_set_pending;
  api.pending_retain = pending_retain;
  api.pending_delete = pending_delete;
  api.pending_complete = pending_complete;
  api.pending_fail = pending_fail;
  api.pending_cancelled = pending_cancelled;
  api.error_new_with_trace = error_new_with_trace;
}

}  // namespace promethean::rust
