// Shared memory: memfd segments, the arena host blocks are carved from, and segments mapped from
// other processes (shared_memory.hpp).
#include "buffer_state.hpp"
#include "shared_segment.hpp"

#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/error.hpp>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace promethean {
namespace detail {
namespace {
constexpr std::size_t k_alignment = 64;
constexpr std::size_t k_arena_segment = std::size_t{8} << 20;
constexpr std::size_t k_smallest_class = 64;
constexpr std::size_t k_largest_class = std::size_t{256} << 10;  // larger blocks get a segment of their own
constexpr std::size_t k_class_count = 13;                        // 64 B … 256 KiB, powers of two

std::atomic<std::int64_t> g_segments_made{0};
std::atomic<std::int64_t> g_segments_mapped{0};
std::atomic<std::int64_t> g_segments_live{0};

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

std::string errno_text() { return std::strerror(errno); }

/// Every segment mapped in this process, by address: memory adopted from a runtime that lies in
/// one (a numpy slice of an array over a host buffer, a TypedArray over one) is shareable too.
class segment_registry {
 public:
  static segment_registry& instance() {
    static segment_registry* r = new segment_registry;  // never destroyed: segments outlive statics
    return *r;
  }
  void add(const std::shared_ptr<shared_segment>& s) {
    std::lock_guard lock(m_mutex);
    m_by_base[reinterpret_cast<std::uintptr_t>(s->base)] = s;
  }
  void remove(const std::byte* base) {
    std::lock_guard lock(m_mutex);
    m_by_base.erase(reinterpret_cast<std::uintptr_t>(base));
  }
  /// The segment [p, p + size) lies in, or null.
  std::shared_ptr<shared_segment> containing(const std::byte* p, std::size_t size) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    std::lock_guard lock(m_mutex);
    auto it = m_by_base.upper_bound(at);
    if (it == m_by_base.begin()) return nullptr;
    --it;
    auto s = it->second.lock();
    if (!s || at + size > it->first + s->size) return nullptr;
    return s;
  }

 private:
  std::mutex m_mutex;
  std::map<std::uintptr_t, std::weak_ptr<shared_segment>> m_by_base;
};

/// Maps `fd` (owned from here on) as a segment; closes it and throws on failure.
std::shared_ptr<shared_segment> map_segment(int fd, std::size_t size, const struct stat& st) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    const std::string why = errno_text();
    ::close(fd);
    throw buffer_error("cannot map a shared segment of " + std::to_string(size) + " bytes: " + why, "MemoryError");
  }
  auto segment = std::make_shared<shared_segment>();
  segment->fd = fd;
  segment->base = static_cast<std::byte*>(p);
  segment->size = size;
  segment->device = st.st_dev;
  segment->inode = st.st_ino;
  g_segments_live.fetch_add(1, std::memory_order_relaxed);
  segment_registry::instance().add(segment);
  return segment;
}

/// A new memfd of `size` bytes (a multiple of the page size), mapped; null when the process has no
/// descriptor left (EMFILE, ENFILE): the caller falls back to heap memory.
std::shared_ptr<shared_segment> make_segment(std::size_t size) {
  const int fd = ::memfd_create("promethean-buffer", MFD_CLOEXEC);
  if (fd < 0) {
    if (errno == EMFILE || errno == ENFILE) return nullptr;
    throw buffer_error("cannot make a shared segment (memfd_create): " + errno_text(), "MemoryError");
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    throw buffer_error("cannot size a shared segment of " + std::to_string(size) + " bytes: " + why, "MemoryError");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    throw buffer_error("cannot stat a shared segment: " + why, "MemoryError");
  }
  g_segments_made.fetch_add(1, std::memory_order_relaxed);
  return map_segment(fd, size, st);
}

std::size_t class_of(std::size_t bytes) {
  std::size_t c = 0;
  for (std::size_t size = k_smallest_class; size < bytes; size <<= 1) ++c;
  return c;
}

/// Small blocks: size classes over 8 MiB segments, bump-allocated, recycled through one free list
/// per class. Segments stay for the life of the process (the arena is never destroyed, so a block
/// released during static destruction still finds it); what the arena holds is bounded by the
/// most it ever held at once.
class arena {
 public:
  static arena& instance() {
    static arena* a = new arena;  // never destroyed: see above
    return *a;
  }

  /// Null segment: no descriptor left (the caller falls back to the heap).
  host_block allocate(std::size_t bytes) {
    const std::size_t c = class_of(std::max(bytes, std::size_t{1}));
    const std::size_t size = k_smallest_class << c;
    std::lock_guard lock(m_mutex);
    slot s;
    if (!m_free[c].empty()) {
      s = m_free[c].back();
      m_free[c].pop_back();
    } else {
      if (!m_current || m_used + size > m_current->size) {
        auto next = make_segment(k_arena_segment);
        if (!next) return {};
        next->lasting = true;
        m_segments.push_back(next);
        m_current = std::move(next);
        m_used = 0;
      }
      s = slot{m_current, m_used};
      m_used += size;
    }
    host_block block;
    block.data = s.segment->base + s.offset;
    block.segment = s.segment;
    block.segment_offset = s.offset;
    block.release = [this, c, s] {
      std::lock_guard guard(m_mutex);
      m_free[c].push_back(s);
    };
    return block;
  }

 private:
  struct slot {
    std::shared_ptr<shared_segment> segment;
    std::size_t offset = 0;
  };
  std::mutex m_mutex;
  std::vector<std::shared_ptr<shared_segment>> m_segments;
  std::shared_ptr<shared_segment> m_current;
  std::size_t m_used = 0;
  std::array<std::vector<slot>, k_class_count> m_free;
};

/// Segments mapped from other processes, by identity, so that blocks of one segment (an arena's)
/// share one mapping: weak, so the mapping goes with its last block.
class received_segments {
 public:
  static received_segments& instance() {
    static received_segments* r = new received_segments;  // never destroyed, as the arena
    return *r;
  }

  std::shared_ptr<shared_segment> map(int fd, std::size_t size, bool lasting) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const std::string why = errno_text();
      ::close(fd);
      throw buffer_error("cannot stat a shared segment passed by another process: " + why);
    }
    if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) < size) {
      ::close(fd);
      throw buffer_error("a shared segment passed by another process holds " + std::to_string(st.st_size) +
                         " bytes, not the " + std::to_string(size) + " it was said to");
    }
    std::lock_guard lock(m_mutex);
    const auto key = std::make_pair(st.st_dev, st.st_ino);
    if (auto it = m_by_identity.find(key); it != m_by_identity.end()) {
      if (auto live = it->second.lock(); live && live->size >= size) {
        ::close(fd);  // mapped already: this descriptor is a duplicate
        return live;
      }
    }
    auto segment = map_segment(fd, size, st);
    g_segments_mapped.fetch_add(1, std::memory_order_relaxed);
    m_by_identity[key] = segment;
    // Another process's arena segment: kept mapped, since the next small buffer from there is
    // likely in it (mapping and unmapping per crossing cost more than the rest of a handoff).
    if (lasting) m_kept.push_back(segment);
    // Forget dead entries now and then, so the map stays the size of what is mapped.
    if (m_by_identity.size() > 2 * m_swept_at + 64) {
      std::erase_if(m_by_identity, [](const auto& e) { return e.second.expired(); });
      m_swept_at = m_by_identity.size();
    }
    return segment;
  }

  /// The segment of that identity, while this process maps it.
  std::shared_ptr<shared_segment> find(std::uint64_t device, std::uint64_t inode) {
    std::lock_guard lock(m_mutex);
    auto it = m_by_identity.find(std::make_pair(static_cast<dev_t>(device), static_cast<ino_t>(inode)));
    return it == m_by_identity.end() ? nullptr : it->second.lock();
  }

 private:
  std::mutex m_mutex;
  std::map<std::pair<dev_t, ino_t>, std::weak_ptr<shared_segment>> m_by_identity;
  std::vector<std::shared_ptr<shared_segment>> m_kept;
  std::size_t m_swept_at = 0;
};
}  // namespace

shared_segment::~shared_segment() {
  if (base) segment_registry::instance().remove(base);
  if (base) ::munmap(base, size);
  if (fd >= 0) ::close(fd);
  g_segments_live.fetch_sub(1, std::memory_order_relaxed);
  for (auto& f : on_end) {
    try {
      f();
    } catch (...) {
      // A peer told of the end of a segment it no longer needs: nothing to undo here.
    }
  }
}

/// A buffer over `block_size` bytes at `block_offset` of a mapped segment, holding the segment.
buffer adopt_in_segment(std::shared_ptr<shared_segment> segment, std::size_t block_offset, std::size_t block_size,
                        release_fn on_release, dtype format, shape_t shape, const adopt_options& options) {
  std::byte* data = segment->base + block_offset;
  buffer b = buffer::adopt(data, block_size, std::move(on_release), format, std::move(shape), options);
  auto& block = block_access::block(b);  // new: no other thread sees it yet
  block.segment = std::move(segment);
  block.segment_offset = block_offset;
  return b;
}

namespace {
/// The segment `b`'s block lies in (its own, or the one a view over a host block lies in).
std::shared_ptr<shared_segment> segment_of(const buffer& b) {
  const auto& block = block_access::block(b);
  if (block.segment) return block.segment;
  if (block.size == 0) return nullptr;
  return segment_registry::instance().containing(block.data, block.size);
}
}  // namespace

host_block allocate_host_block(std::size_t bytes) {
  if (bytes <= k_largest_class) {
    if (host_block b = arena::instance().allocate(bytes); b.segment) {
      std::memset(b.data, 0, bytes);
      return b;
    }
  } else if (auto segment = make_segment(round_up(bytes, page_size()))) {
    host_block b;  // a new memfd is zero-filled already
    b.data = segment->base;
    b.segment = std::move(segment);
    b.release = [] {};  // the segment goes with the block
    return b;
  }
  // No descriptor left: heap memory, which crosses to another process as a copy.
  const std::size_t rounded = std::max(k_alignment, round_up(bytes, k_alignment));
  void* p = std::aligned_alloc(k_alignment, rounded);
  if (!p) throw buffer_error("out of memory allocating " + std::to_string(bytes) + " bytes", "MemoryError");
  std::memset(p, 0, bytes);
  host_block b;
  b.data = static_cast<std::byte*>(p);
  b.release = [p] { std::free(p); };
  return b;
}

}  // namespace detail

std::optional<shared_region> shared_region_of(const buffer& b) {
  const auto& block = detail::block_access::block(b);
  if (block.segment) {
    const auto& s = *block.segment;
    return shared_region{s.fd, s.size, block.segment_offset, s.lasting, static_cast<std::uint64_t>(s.device),
                         static_cast<std::uint64_t>(s.inode)};
  }
  // Adopted memory that lies in a segment all the same (a view of a host buffer, made by a runtime).
  // `b` holds that memory (through whatever owns it), and so the segment, while it is shared.
  if (block.size == 0) return std::nullopt;
  auto segment = detail::segment_registry::instance().containing(block.data, block.size);
  if (!segment) return std::nullopt;
  return shared_region{segment->fd,
                       segment->size,
                       static_cast<std::size_t>(block.data - segment->base),
                       segment->lasting,
                       static_cast<std::uint64_t>(segment->device),
                       static_cast<std::uint64_t>(segment->inode)};
}

std::shared_ptr<const void> keep_segment_mapped(const buffer& b) { return detail::segment_of(b); }

bool when_segment_ends(const buffer& b, std::function<void()> on_end) {
  auto segment = detail::segment_of(b);
  if (!segment || segment->lasting) return false;
  std::lock_guard lock(segment->end_mutex);
  segment->on_end.push_back(std::move(on_end));
  return true;
}

std::optional<buffer> map_known_shared(std::uint64_t device, std::uint64_t inode, std::size_t segment_size,
                                       std::size_t block_offset, std::size_t block_size, release_fn on_release,
                                       dtype format, shape_t shape, const adopt_options& options) {
  std::shared_ptr<detail::shared_segment> segment;
  try {
    segment = detail::received_segments::instance().find(device, inode);
    if (segment && (segment->size < segment_size || block_offset > segment_size ||
                    block_size > segment_size - block_offset)) {
      throw buffer_error("a block of " + std::to_string(block_size) + " bytes at " + std::to_string(block_offset) +
                         " lies outside its shared segment of " + std::to_string(segment->size) + " bytes");
    }
  } catch (...) {
    if (on_release) on_release();
    throw;
  }
  if (!segment) {
    if (on_release) on_release();
    return std::nullopt;
  }
  return detail::adopt_in_segment(std::move(segment), block_offset, block_size, std::move(on_release), format,
                                  std::move(shape), options);
}

buffer map_shared(int fd, std::size_t segment_size, std::size_t block_offset, std::size_t block_size,
                  release_fn on_release, dtype format, shape_t shape, const adopt_options& options, bool lasting) {
  std::shared_ptr<detail::shared_segment> segment;
  try {
    if (block_offset > segment_size || block_size > segment_size - block_offset) {
      ::close(fd);
      throw buffer_error("a block of " + std::to_string(block_size) + " bytes at " + std::to_string(block_offset) +
                         " lies outside its shared segment of " + std::to_string(segment_size) + " bytes");
    }
    segment = detail::received_segments::instance().map(fd, segment_size, lasting);
  } catch (...) {
    if (on_release) on_release();
    throw;
  }
  return detail::adopt_in_segment(std::move(segment), block_offset, block_size, std::move(on_release), format,
                                  std::move(shape), options);
}

buffer copy_to_shared(const buffer& b) {
  buffer copy = buffer::allocate(b.format(), b.shape(), {.language = b.language(), .type = b.type_name()});
  if (b.size() == 0) return copy;
  const std::size_t itemsize = b.itemsize();
  std::byte* out = copy.data();
  if (b.is_c_contiguous()) {
    std::memcpy(out, b.cdata(), b.nbytes());
    return copy;
  }
  // Element by element in C order, following the strides (any sign).
  const auto& shape = b.shape();
  const auto& strides = b.strides();
  std::vector<std::size_t> index(shape.size(), 0);
  const std::byte* first = b.cdata();
  for (std::size_t n = 0; n < b.size(); ++n) {
    std::ptrdiff_t at = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) at += static_cast<std::ptrdiff_t>(index[d]) * strides[d];
    std::memcpy(out + n * itemsize, first + at, itemsize);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return copy;
}

shared_memory_counts shared_memory_stats() {
  return {detail::g_segments_made.load(), detail::g_segments_mapped.load(), detail::g_segments_live.load()};
}

}  // namespace promethean
