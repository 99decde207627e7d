// The process-wide ledger of buffers and memory blocks.
#include "buffer_state.hpp"

#include <promethean/buffer/dtype.hpp>
#include <promethean/buffer/ledger.hpp>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace promethean {

struct ledger::impl {
  mutable std::mutex mutex;
  ledger_counts counts;  // views_by_runtime is left empty here: see views below
  /// Views per runtime (view_count), made on first use and never freed: export_refs point at
  /// them. counts() reports the non-zero entries only, as ledger_counts documents.
  std::map<std::string, std::unique_ptr<view_count>, std::less<>> views;
  std::unordered_map<std::uint64_t, std::weak_ptr<const detail::buffer_state>> buffers;
  std::atomic<bool> abort_on_leak{false};
};

ledger& ledger::instance() {
  // Deliberately never destroyed: buffers may be released during static destruction (a runtime
  // torn down at exit), and they must still find the ledger.
  static ledger* the_ledger = new ledger();
  return *the_ledger;
}

ledger::ledger() : m_impl(new impl) {
  const char* env = std::getenv("PROMETHEAN_LEAK_CHECK");
  m_impl->abort_on_leak = env != nullptr && env[0] != '\0' && env[0] != '0';
}

ledger::~ledger() { delete m_impl; }

ledger_counts ledger::counts() const {
  std::lock_guard lock(m_impl->mutex);
  ledger_counts out = m_impl->counts;
  for (const auto& [runtime, count] : m_impl->views) {
    const std::int64_t n = count->n.load(std::memory_order_relaxed);
    if (n != 0) out.views_by_runtime.emplace(runtime, n);
  }
  return out;
}

std::optional<buffer> ledger::find(std::string_view id) const {
  // Only the spelling the ledger gives out names a buffer: "b001" or "b+1" is not "b1", so a
  // forged handle cannot reach a live buffer under a second name.
  if (id.size() < 2 || id[0] != 'b' || id[1] < '1' || id[1] > '9') return std::nullopt;
  std::uint64_t serial = 0;
  auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), serial);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return find_serial(serial);
}

std::optional<buffer> ledger::find_serial(std::uint64_t serial) const {
  std::lock_guard lock(m_impl->mutex);
  auto it = m_impl->buffers.find(serial);
  if (it == m_impl->buffers.end()) return std::nullopt;
  if (auto state = it->second.lock()) return buffer(std::move(state));
  return std::nullopt;
}

void ledger::note_view(std::string_view runtime, int delta) {
  views_of(runtime).n.fetch_add(delta, std::memory_order_relaxed);
}

view_count& ledger::views_of(std::string_view runtime) {
  std::lock_guard lock(m_impl->mutex);
  auto it = m_impl->views.find(runtime);  // found without making a std::string (std::less<>)
  if (it == m_impl->views.end()) {
    it = m_impl->views.emplace(std::string(runtime), std::make_unique<view_count>(std::string(runtime))).first;
  }
  return *it->second;
}

void ledger::set_abort_on_leak(bool on) noexcept { m_impl->abort_on_leak = on; }
bool ledger::abort_on_leak() const noexcept { return m_impl->abort_on_leak; }

std::string ledger::describe_live() const {
  std::lock_guard lock(m_impl->mutex);
  std::string out;
  for (const auto& [serial, weak] : m_impl->buffers) {
    auto s = weak.lock();
    if (!s) continue;
    out += "  " + s->id + " " + std::string(dtype_name(s->format)) + " [";
    for (std::size_t i = 0; i < s->shape.size(); ++i) out += (i ? " " : "") + std::to_string(s->shape[i]);
    out += "] owned by " + s->block->language;
    if (!s->type_name.empty()) out += " type " + s->type_name;
    out += "\n";
  }
  return out;
}

bool ledger::check_at_shutdown() const {
  const ledger_counts c = counts();
  if (c.live_blocks == 0) return true;
  if (m_impl->abort_on_leak) {
    std::fprintf(stderr,
                 "promethean: leak check failed: %lld memory block(s), %lld bytes still live at shutdown\n%s",
                 static_cast<long long>(c.live_blocks), static_cast<long long>(c.live_bytes),
                 describe_live().c_str());
    std::abort();
  }
  return false;
}

void ledger::block_created(const std::string& language, std::size_t bytes) {
  std::lock_guard lock(m_impl->mutex);
  auto& c = m_impl->counts;
  ++c.live_blocks;
  ++c.blocks_created;
  c.live_bytes += static_cast<std::int64_t>(bytes);
  ++c.live_blocks_by_language[language];
}

void ledger::block_released(const std::string& language, std::size_t bytes) {
  std::lock_guard lock(m_impl->mutex);
  auto& c = m_impl->counts;
  --c.live_blocks;
  ++c.blocks_released;
  c.live_bytes -= static_cast<std::int64_t>(bytes);
  if (--c.live_blocks_by_language[language] == 0) c.live_blocks_by_language.erase(language);
}

void ledger::buffer_created(std::uint64_t serial, std::weak_ptr<const detail::buffer_state> state) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->buffers.emplace(serial, std::move(state));
  ++m_impl->counts.live_buffers;
}

void ledger::buffer_destroyed(std::uint64_t serial) noexcept {
  std::lock_guard lock(m_impl->mutex);
  m_impl->buffers.erase(serial);
  --m_impl->counts.live_buffers;
}

export_ref::export_ref(buffer b, std::string runtime) : m_buffer(std::move(b)) {
  if (m_buffer) {
    m_views = &ledger::instance().views_of(runtime);
    m_views->n.fetch_add(1, std::memory_order_relaxed);
  }
}

export_ref::export_ref(buffer b, view_count& views) noexcept : m_buffer(std::move(b)) {
  if (m_buffer) {
    m_views = &views;
    m_views->n.fetch_add(1, std::memory_order_relaxed);
  }
}

export_ref::export_ref(export_ref&& other) noexcept : m_buffer(std::move(other.m_buffer)), m_views(other.m_views) {
  other.m_buffer = buffer();
}

export_ref& export_ref::operator=(export_ref&& other) noexcept {
  if (this != &other) {
    reset();
    m_buffer = std::move(other.m_buffer);
    m_views = other.m_views;
    other.m_buffer = buffer();
  }
  return *this;
}

export_ref::~export_ref() { reset(); }

const std::string& export_ref::runtime() const noexcept {
  static const std::string none;
  return m_views != nullptr ? m_views->runtime : none;
}

void export_ref::reset() noexcept {
  if (m_buffer) {
    m_views->n.fetch_sub(1, std::memory_order_relaxed);
    m_buffer = buffer();
  }
}

}  // namespace promethean
