// A buffer's description packed into bytes (buffer_description.hpp).
#include "buffer_description.hpp"

#include <promethean/error.hpp>

#include <cstring>
#include <limits>
#include <type_traits>

namespace promethean::detail {
namespace {

constexpr std::uint8_t k_readonly = 1;
constexpr std::uint8_t k_lasting = 2;
constexpr std::uint8_t k_with_descriptor = 4;
/// Far beyond any real array (numpy allows 64 dimensions): a bound on what a description may claim.
constexpr std::uint32_t k_max_dimensions = 1024;

class writer {
 public:
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto at = m_bytes.size();
    m_bytes.resize(at + sizeof v);
    std::memcpy(m_bytes.data() + at, &v, sizeof v);
  }
  void put_text(const std::string& s) {
    if (s.size() > std::numeric_limits<std::uint16_t>::max()) {
      throw usage_error("a buffer's dtype, language or type name is too long to cross to another process (" +
                        std::to_string(s.size()) + " bytes)");
    }
    put(static_cast<std::uint16_t>(s.size()));
    m_bytes.insert(m_bytes.end(), s.begin(), s.end());
  }
  std::vector<std::uint8_t> take() { return std::move(m_bytes); }

 private:
  std::vector<std::uint8_t> m_bytes;
};

class reader {
 public:
  explicit reader(const std::vector<std::uint8_t>& bytes) : m_bytes(bytes) {}
  template <class T>
  T get() {
    T v;
    need(sizeof v);
    std::memcpy(&v, m_bytes.data() + m_at, sizeof v);
    m_at += sizeof v;
    return v;
  }
  std::string get_text() {
    const auto n = get<std::uint16_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(m_bytes.data() + m_at), n);
    m_at += n;
    return s;
  }
  bool at_end() const noexcept { return m_at == m_bytes.size(); }

 private:
  void need(std::size_t n) const {
    if (m_bytes.size() - m_at < n) throw message_error("a buffer from another process is not described right: its description is cut short");
  }
  const std::vector<std::uint8_t>& m_bytes;
  std::size_t m_at = 0;
};

}  // namespace

std::vector<std::uint8_t> pack_buffer_description(const buffer_description& d) {
  writer w;
  for (std::uint64_t v : {d.token, d.device, d.inode, d.segment_size, d.block_offset, d.block_size, d.byte_offset}) w.put(v);
  std::uint8_t flags = 0;
  if (d.readonly) flags |= k_readonly;
  if (d.lasting) flags |= k_lasting;
  if (d.fd_index) flags |= k_with_descriptor;
  w.put(flags);
  w.put(d.fd_index.value_or(0));
  w.put(static_cast<std::uint32_t>(d.shape.size()));
  for (std::size_t n : d.shape) w.put(static_cast<std::uint64_t>(n));
  for (std::ptrdiff_t s : d.strides) w.put(static_cast<std::int64_t>(s));
  w.put_text(d.dtype);
  w.put_text(d.language);
  w.put_text(d.type_name);
  return w.take();
}

buffer_description unpack_buffer_description(const std::vector<std::uint8_t>& bytes) {
  reader r(bytes);
  buffer_description d;
  for (std::uint64_t* v : {&d.token, &d.device, &d.inode, &d.segment_size, &d.block_offset, &d.block_size, &d.byte_offset}) {
    *v = r.get<std::uint64_t>();
  }
  const auto flags = r.get<std::uint8_t>();
  const auto fd_index = r.get<std::uint32_t>();
  if ((flags & ~(k_readonly | k_lasting | k_with_descriptor)) != 0) {
    throw message_error("a buffer from another process is not described right: unknown flags " + std::to_string(flags));
  }
  d.readonly = (flags & k_readonly) != 0;
  d.lasting = (flags & k_lasting) != 0;
  if ((flags & k_with_descriptor) != 0) d.fd_index = fd_index;
  const auto ndim = r.get<std::uint32_t>();
  if (ndim > k_max_dimensions) {
    throw message_error("a buffer from another process is not described right: " + std::to_string(ndim) + " dimensions");
  }
  d.shape.resize(ndim);
  d.strides.resize(ndim);
  for (auto& n : d.shape) n = static_cast<std::size_t>(r.get<std::uint64_t>());
  for (auto& s : d.strides) s = static_cast<std::ptrdiff_t>(r.get<std::int64_t>());
  d.dtype = r.get_text();
  d.language = r.get_text();
  d.type_name = r.get_text();
  if (!r.at_end()) throw message_error("a buffer from another process is not described right: bytes left over");
  return d;
}

}  // namespace promethean::detail
