// What crossed between this process and one peer, and how messages cross (crossing_tables.hpp).
#include "crossing_tables.hpp"

#include "buffer_description.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/error.hpp>
#include <promethean/host/pending_handle.hpp>

#include <utility>

namespace promethean::detail {
namespace {
/// The deferral in effect on this thread (crossing_tables::deferral).
thread_local crossing_tables* t_deferring_tables = nullptr;
thread_local nlohmann::json* t_deferred = nullptr;

/// Replaces, in walk order (message.hpp), each Buffer handle with the next of `buffers`' handles
/// and each Function handle with the next of `functions`'.
void rewrite_handles(nlohmann::json& j, const std::vector<buffer>& buffers, std::size_t& next_buffer,
                     const std::vector<function_ref>& functions, std::size_t& next_function) {
  if (j.is_array()) {
    for (auto& e : j) rewrite_handles(e, buffers, next_buffer, functions, next_function);
  } else if (j.is_object()) {
    if (is_buffer_handle(j)) {
      if (next_buffer >= buffers.size()) throw message_error("a message from another process names more buffers than it carries");
      j = buffer_to_json(buffers[next_buffer++]);
    } else if (function_handle::is_handle(j)) {
      if (next_function >= functions.size()) {
        throw message_error("a message from another process names more functions than it carries");
      }
      j = functions[next_function++]->to_json();
    } else {
      for (auto& [key, value] : j.items()) rewrite_handles(value, buffers, next_buffer, functions, next_function);
    }
  }
}

/// Refuses what cannot cross to another process: a pending result lives in this one.
[[noreturn]] void refuse_pending() {
  throw usage_error("an unfinished async result (a Promise, a coroutine) cannot cross to another process: await it first");
}

void check_crossable(const nlohmann::json& j) {
  if (j.is_array()) {
    for (const auto& e : j) check_crossable(e);
  } else if (j.is_object()) {
    if (pending_handle::is_handle(j)) refuse_pending();
    if (is_buffer_handle(j) || function_handle::is_handle(j)) return;
    for (const auto& [key, value] : j.items()) check_crossable(value);
  }
}

/// check_crossable() and the copy that crosses, in one walk: each Buffer handle cut down to its
/// tag. The frame's "b" list describes the buffers, in walk order, and the receiver puts its own
/// handle in each place (rewrite_handles), so the layout members would cross twice (and be built
/// and read twice) for nothing.
nlohmann::json crossing_copy(const nlohmann::json& j) {
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    out.get_ref<nlohmann::json::array_t&>().reserve(j.size());
    for (const auto& e : j) out.push_back(crossing_copy(e));
    return out;
  }
  if (j.is_object()) {
    if (pending_handle::is_handle(j)) refuse_pending();
    if (is_buffer_handle(j)) return {{"_type", "Buffer"}};
    if (function_handle::is_handle(j)) return j;
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : j.items()) out[key] = crossing_copy(value);
    return out;
  }
  return j;
}
}  // namespace

crossing_tables::crossing_tables(std::function<void(const nlohmann::json&)> notify, std::string proxy_runtime)
    : m_notify(std::move(notify)), m_proxy_runtime(std::move(proxy_runtime)) {}

void crossing_tables::encode(const message& m, nlohmann::json& head, std::vector<int>& fds,
                             std::vector<segment_key>& announced) {
  if (!m.buffers().empty()) {
    head["v"] = crossing_copy(m.value());
  } else {
    if (!m.functions().empty() || m.value().is_object() || m.value().is_array()) check_crossable(m.value());
    head["v"] = m.value();
  }
  if (!m.buffers().empty()) {
    nlohmann::json b = nlohmann::json::array();
    for (const auto& x : m.buffers()) b.push_back(export_buffer(x, fds, announced));
    head["b"] = std::move(b);
  }
  if (!m.functions().empty()) {
    nlohmann::json f = nlohmann::json::array();
    for (const auto& x : m.functions()) f.push_back(export_function(x));
    head["f"] = std::move(f);
  }
}

message crossing_tables::decode(const nlohmann::json& head, std::vector<owned_fd>& fds) {
  auto v = head.find("v");
  if (v == head.end()) return message();
  std::vector<buffer> buffers;
  std::vector<function_ref> functions;
  if (auto b = head.find("b"); b != head.end()) {
    for (const auto& d : *b) buffers.push_back(import_buffer(d, fds));
  }
  if (auto f = head.find("f"); f != head.end()) {
    for (const auto& d : *f) functions.push_back(import_function(d));
  }
  if (buffers.empty() && functions.empty()) return message(message::in_walk_order, *v);
  nlohmann::json value = *v;
  std::size_t nb = 0;
  std::size_t nf = 0;
  rewrite_handles(value, buffers, nb, functions, nf);
  if (nb != buffers.size() || nf != functions.size()) {
    throw message_error("a message from another process carries buffers or functions its value does not name");
  }
  return message(message::in_walk_order, std::move(value), std::move(buffers), std::move(functions));
}

void crossing_tables::sent(const std::vector<segment_key>& announced) {
  if (announced.empty()) return;
  std::lock_guard lock(m_mutex);
  for (const auto& key : announced) {
    if (auto it = m_segments_sent.find(key); it != m_segments_sent.end()) it->second = true;
  }
}

void crossing_tables::segment_ended(const segment_key& key) {
  {
    std::lock_guard lock(m_mutex);
    if (m_peer_gone || m_segments_sent.erase(key) == 0) return;
  }
  // After every frame that named it: the segment ends only once nothing here holds a block of it,
  // and a frame's message holds its buffers until the frame is sent.
  try {
    m_notify({{"k", "unseg"}, {"seg", {key.first, key.second}}});
  } catch (const std::exception&) {
    // The peer is gone: nothing is mapped there any more.
  }
}

nlohmann::json crossing_tables::export_buffer(const buffer& b, std::vector<int>& fds, std::vector<segment_key>& announced) {
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_import_by_serial.find(b.serial()); it != m_import_by_serial.end()) {
      return {{"home", it->second}};  // the peer's own buffer, going back
    }
  }
  buffer shared = b;
  auto region = shared_region_of(b);
  if (!region) {
    // Memory no other process can map (adopted: a numpy array over malloc'd memory): one copy.
    shared = copy_to_shared(b);
    if (b.readonly()) shared = shared.as_readonly();
    region = shared_region_of(shared);
    std::lock_guard lock(m_mutex);
    ++m_copies;
  }
  if (!region) throw buffer_error("cannot share buffer " + b.id() + " with another process: no shared memory is left");
  const std::string token = std::to_string(shared.serial());
  // Counted as lent; and the segment's descriptor goes unless a frame that carried it was sent.
  const segment_key key{region->device, region->inode};
  bool with_descriptor = true;
  bool first = false;
  {
    std::lock_guard lock(m_mutex);
    auto& e = m_exports[token];
    if (!e.shared) {
      e.shared = shared;
      e.original = b;
    }
    ++e.crossings;
    auto [it, inserted] = m_segments_sent.try_emplace(key, false);
    with_descriptor = !it->second;
    first = inserted;
  }
  if (first && !region->lasting) {
    std::weak_ptr<crossing_tables> self = weak_from_this();
    when_segment_ends(shared, [self, key] {
      if (auto tables = self.lock()) tables->segment_ended(key);
    });
  }
  buffer_description d;
  d.token = shared.serial();
  d.device = key.first;
  d.inode = key.second;
  d.segment_size = region->segment_size;
  d.block_offset = region->block_offset;
  d.block_size = shared.block_size();
  d.byte_offset = shared.byte_offset();
  d.readonly = shared.readonly();
  d.lasting = region->lasting;
  d.dtype = dtype_name(shared.format());
  d.shape = shared.shape();
  d.strides = shared.strides();
  d.language = shared.language();
  d.type_name = shared.type_name();
  if (with_descriptor) {
    d.fd_index = static_cast<std::uint32_t>(fds.size());
    fds.push_back(region->fd);
    announced.push_back(key);
  }
  return nlohmann::json::binary(pack_buffer_description(d));
}

buffer crossing_tables::import_buffer(const nlohmann::json& d, std::vector<owned_fd>& fds) {
  try {
    if (auto home = d.find("home"); home != d.end()) {
      std::lock_guard lock(m_mutex);
      auto it = m_exports.find(home->get<std::string>());
      if (it == m_exports.end()) throw message_error("another process sent back buffer " + home->dump() + ", which it was not lent");
      return it->second.original;
    }
    if (!d.is_binary()) throw message_error("a buffer from another process is not described right: " + d.dump().substr(0, 80));
    const buffer_description described = unpack_buffer_description(d.get_binary());
    const std::string token = std::to_string(described.token);
    const segment_key key{described.device, described.inode};
    owned_fd fd;
    if (described.fd_index) {
      const std::size_t i = *described.fd_index;
      if (i >= fds.size()) throw message_error("a buffer from another process names a descriptor the frame does not carry");
      fd = std::move(fds[i]);
    }
    {
      std::lock_guard lock(m_mutex);
      if (auto it = m_imports.find(token); it != m_imports.end()) {
        if (auto live = ledger::instance().find_serial(it->second->local_serial)) {
          ++it->second->crossings;
          return *live;  // the descriptor (a duplicate) is closed with `fd`
        }
      }
    }
    auto record = std::make_shared<import_record>();
    record->token = token;
    record->crossings = 1;
    std::weak_ptr<crossing_tables> self = weak_from_this();
    release_fn give_back = [self, record] {
      if (auto tables = self.lock()) {
        std::int64_t crossings = 0;
        {
          std::lock_guard lock(tables->m_mutex);
          crossings = record->crossings;
          if (auto it = tables->m_imports.find(record->token); it != tables->m_imports.end() && it->second == record) {
            tables->m_imports.erase(it);
          }
          tables->m_import_by_serial.erase(record->local_serial);
        }
        tables->send_release("rel", record->token, crossings);
      }
    };
    adopt_options options;
    options.language = described.language;
    options.strides = described.strides;
    options.byte_offset = described.byte_offset;
    options.readonly = described.readonly;
    if (!described.type_name.empty()) options.type = described.type_name;
    const dtype format = parse_dtype(described.dtype);
    const bool lasting = described.lasting;
    const std::size_t segment_size = described.segment_size;
    const std::size_t block_offset = described.block_offset;
    const std::size_t block_size = described.block_size;
    buffer b;
    if (fd.get() >= 0) {
      b = map_shared(fd.release(), segment_size, block_offset, block_size, std::move(give_back), format,
                     described.shape, options, lasting);
    } else if (auto known = map_known_shared(key.first, key.second, segment_size, block_offset, block_size,
                                             std::move(give_back), format, described.shape, options)) {
      b = std::move(*known);
    } else {
      throw message_error("a buffer from another process names a shared segment (inode " + std::to_string(key.second) +
                          ") that was never sent here, or ended");
    }
    std::lock_guard lock(m_mutex);
    // Kept mapped after this buffer goes: the peer names this segment without its descriptor from
    // now on, until it says the segment ended there. (Another process's arena stays mapped anyway.)
    if (!lasting && !m_peer_gone) m_segments_kept.try_emplace(key, keep_segment_mapped(b));
    record->local_serial = b.serial();
    m_imports[token] = record;
    m_import_by_serial[b.serial()] = token;
    return b;
  } catch (const nlohmann::json::exception& e) {
    throw message_error(std::string("a buffer from another process is not described right: ") + e.what());
  }
}

nlohmann::json crossing_tables::export_function(const function_ref& f) {
  std::lock_guard lock(m_mutex);
  if (auto it = m_function_import_by_id.find(f->id()); it != m_function_import_by_id.end()) {
    return {{"home", it->second}};
  }
  auto& e = m_function_exports[f->id()];
  if (!e.value) e.value = f;
  ++e.crossings;
  return {{"t", f->id()}, {"rt", f->runtime()}, {"name", f->name()}};
}

function_ref crossing_tables::import_function(const nlohmann::json& d) {
  try {
    if (auto home = d.find("home"); home != d.end()) {
      std::lock_guard lock(m_mutex);
      auto it = m_function_exports.find(home->get<std::string>());
      if (it == m_function_exports.end()) throw message_error("another process sent back a function it was not lent");
      return it->second.value;
    }
    const std::string token = d.at("t").get<std::string>();
    {
      std::lock_guard lock(m_mutex);
      if (auto it = m_function_imports.find(token); it != m_function_imports.end()) {
        if (auto live = function_handle::find(it->second->local_id)) {
          ++it->second->crossings;
          return live;
        }
      }
    }
    auto record = std::make_shared<function_import>();
    record->token = token;
    record->crossings = 1;
    std::weak_ptr<crossing_tables> self = weak_from_this();
    auto proxy = function_handle::create(m_proxy_runtime, d.value("name", std::string()), [self, record] {
      if (auto tables = self.lock()) {
        std::int64_t crossings = 0;
        {
          std::lock_guard lock(tables->m_mutex);
          crossings = record->crossings;
          if (auto it = tables->m_function_imports.find(record->token);
              it != tables->m_function_imports.end() && it->second == record) {
            tables->m_function_imports.erase(it);
          }
          tables->m_function_import_by_id.erase(record->local_id);
        }
        tables->send_release("relf", record->token, crossings);
      }
    });
    std::lock_guard lock(m_mutex);
    record->local_id = proxy->id();
    m_function_imports[token] = record;
    m_function_import_by_id[proxy->id()] = token;
    return proxy;
  } catch (const nlohmann::json::exception& e) {
    throw message_error(std::string("a function from another process is not described right: ") + e.what());
  }
}

crossing_tables::deferral::deferral(crossing_tables& tables)
    : m_saved_tables(t_deferring_tables), m_saved_list(t_deferred) {
  t_deferring_tables = &tables;
  t_deferred = &m_list;
}

crossing_tables::deferral::~deferral() {
  t_deferring_tables = m_saved_tables;
  t_deferred = m_saved_list;
}

nlohmann::json crossing_tables::deferral::take() { return std::exchange(m_list, nlohmann::json::array()); }

void crossing_tables::released_list(const nlohmann::json& list) {
  for (const auto& r : list) released({{"k", r.at(0)}, {"t", r.at(1)}, {"n", r.at(2)}});
}

void crossing_tables::send_release(const char* kind, const std::string& token, std::int64_t crossings) {
  if (t_deferring_tables == this && t_deferred != nullptr) {
    t_deferred->push_back({kind, token, crossings});
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    if (m_peer_gone) return;
  }
  try {
    m_notify({{"k", kind}, {"t", token}, {"n", crossings}});
  } catch (const std::exception&) {
    // The peer went away meanwhile: what it was lent is dropped with it.
  }
}

void crossing_tables::released(const nlohmann::json& frame) {
  if (frame.at("k") == "unseg") {
    const auto& seg = frame.at("seg");
    const segment_key key{seg.at(0).get<std::uint64_t>(), seg.at(1).get<std::uint64_t>()};
    std::shared_ptr<const void> unmapped;  // let go outside the lock: a segment's end may call back here
    std::lock_guard lock(m_mutex);
    if (auto it = m_segments_kept.find(key); it != m_segments_kept.end()) {
      unmapped = std::move(it->second);
      m_segments_kept.erase(it);
    }
    return;
  }
  const std::string token = frame.at("t").get<std::string>();
  const std::int64_t crossings = frame.at("n").get<std::int64_t>();
  const bool function = frame.at("k") == "relf";
  // Erase outside the lock: the last reference may run a release that needs it.
  buffer dropped_buffer;
  buffer dropped_original;
  function_ref dropped_function;
  std::lock_guard lock(m_mutex);
  if (function) {
    auto it = m_function_exports.find(token);
    if (it != m_function_exports.end() && (it->second.crossings -= crossings) <= 0) {
      dropped_function = std::move(it->second.value);
      m_function_exports.erase(it);
    }
  } else {
    auto it = m_exports.find(token);
    if (it != m_exports.end() && (it->second.crossings -= crossings) <= 0) {
      dropped_buffer = std::move(it->second.shared);
      dropped_original = std::move(it->second.original);
      m_exports.erase(it);
    }
  }
  // (the lock is released before `dropped_*`, declared earlier, are destroyed)
}

void crossing_tables::drop_exports() {
  std::map<std::string, lent_buffer, std::less<>> buffers;
  std::map<std::string, lent<function_ref>, std::less<>> functions;
  std::map<segment_key, std::shared_ptr<const void>> kept;
  {
    std::lock_guard lock(m_mutex);
    m_peer_gone = true;
    buffers.swap(m_exports);
    functions.swap(m_function_exports);
    kept.swap(m_segments_kept);
    m_segments_sent.clear();
  }
}

function_ref crossing_tables::exported_function(std::string_view token) const {
  std::lock_guard lock(m_mutex);
  auto it = m_function_exports.find(token);
  return it == m_function_exports.end() ? nullptr : it->second.value;
}

std::string crossing_tables::function_token(std::string_view local_id) const {
  std::lock_guard lock(m_mutex);
  auto it = m_function_import_by_id.find(local_id);
  return it == m_function_import_by_id.end() ? std::string() : it->second;
}

std::size_t crossing_tables::exported_buffer_count() const {
  std::lock_guard lock(m_mutex);
  return m_exports.size();
}

std::size_t crossing_tables::copies_made() const {
  std::lock_guard lock(m_mutex);
  return m_copies;
}

}  // namespace promethean::detail
