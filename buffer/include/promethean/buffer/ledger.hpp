/// The ledger: every live buffer and memory block in the process, counted, and found by id.
///
/// Process-wide (buffers outlive any one Host and cross every runtime). Thread-safe. Its counts
/// are how tests prove "freed exactly once": blocks released == blocks created, live bytes == 0.
/// With leak checking on (`set_abort_on_leak(true)` or PROMETHEAN_LEAK_CHECK=1 in the environment),
/// `check_at_shutdown()` prints every leaked buffer and aborts: a debug switch, never a default.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace promethean {

/// A snapshot of the ledger's counts.
struct ledger_counts {
  std::int64_t live_blocks = 0;      ///< memory blocks not yet released
  std::int64_t live_bytes = 0;       ///< bytes in those blocks
  std::int64_t live_buffers = 0;     ///< buffers (distinct ids) alive
  std::int64_t blocks_created = 0;   ///< since process start
  std::int64_t blocks_released = 0;  ///< since process start; each block counts once
  std::map<std::string, std::int64_t> live_blocks_by_language;  ///< owning runtime → blocks
  std::map<std::string, std::int64_t> views_by_runtime;         ///< runtime → exported views
};

/// How many views of buffers one runtime holds: made once per runtime name by the ledger and kept
/// for the process's life, so that an export_ref counts itself with one atomic add, no lookup and no
/// lock (a numpy array or TypedArray is made and dropped per handoff).
struct view_count {
  explicit view_count(std::string name) : runtime(std::move(name)) {}
  const std::string runtime;
  std::atomic<std::int64_t> n{0};
};

class PROMETHEAN_API ledger {
 public:
  static ledger& instance();

  ledger_counts counts() const;

  /// The live buffer with this id ("b17"), or nullopt when it is gone or never was.
  std::optional<buffer> find(std::string_view id) const;
  /// The same by the id's number (`buffer::serial()`), for caches that remember buffers weakly.
  std::optional<buffer> find_serial(std::uint64_t serial) const;

  /// A runtime took (+1) or dropped (-1) a view of a buffer; prefer `export_ref`.
  void note_view(std::string_view runtime, int delta);
  /// The count of the views `runtime` holds (made on first use; valid for the process's life).
  view_count& views_of(std::string_view runtime);

  void set_abort_on_leak(bool on) noexcept;
  bool abort_on_leak() const noexcept;

  /// Returns true when no block is live. When leaks remain and the debug switch is on, prints them
  /// to stderr and aborts; otherwise it only returns false.
  bool check_at_shutdown() const;

  /// One line per live buffer: id, format, shape, language, type (for leak reports and tests).
  std::string describe_live() const;

  // Called by buffer internals only.
  void block_created(const std::string& language, std::size_t bytes);
  void block_released(const std::string& language, std::size_t bytes);
  void buffer_created(std::uint64_t serial, std::weak_ptr<const detail::buffer_state> state);
  void buffer_destroyed(std::uint64_t serial) noexcept;

  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

 private:
  ledger();
  ~ledger();
  struct impl;
  impl* m_impl;
};

/// One runtime's view of a buffer: holds exactly one reference and counts itself in the ledger
/// under that runtime for as long as it lives. Move-only. A numpy array's base object, a V8
/// backing store's deleter data and a Rust slice handle each own one of these.
class PROMETHEAN_API export_ref {
 public:
  export_ref() noexcept = default;
  export_ref(buffer b, std::string runtime);
  /// The same with the runtime's count found already (ledger::views_of, once per runtime): what a
  /// runtime's handoff path uses, paying one atomic add here and one when the view goes.
  export_ref(buffer b, view_count& views) noexcept;
  export_ref(export_ref&& other) noexcept;
  export_ref& operator=(export_ref&& other) noexcept;
  export_ref(const export_ref&) = delete;
  export_ref& operator=(const export_ref&) = delete;
  ~export_ref();

  const buffer& get() const noexcept { return m_buffer; }
  /// The runtime whose view this is (empty for a default-made one).
  const std::string& runtime() const noexcept;
  /// Drops the reference now (idempotent).
  void reset() noexcept;

 private:
  buffer m_buffer;
  view_count* m_views = nullptr;  ///< the ledger's, never freed
};

}  // namespace promethean
