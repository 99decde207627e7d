// Frames between two processes: bodies through shared rings, descriptors and doorbells over a
// Unix socket (frame_channel.hpp).
#include "frame_channel.hpp"

#include <promethean/error.hpp>

#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <thread>

namespace promethean::detail {
namespace {
/// What precedes each body in a ring.
struct ring_frame_header {
  std::uint32_t body_size;  ///< bytes of MessagePack (in the ring, or in the spilled memfd)
  std::uint32_t fd_count;   ///< descriptors sent for it on the socket (the spilled body's included)
  std::uint32_t flags;
  std::uint32_t reserved;
};
constexpr std::uint32_t k_spilled = 1;  ///< the body is in the frame's last descriptor
constexpr char k_descriptors_byte = 'f';
constexpr char k_doorbell_byte = 'd';
constexpr char k_rings_byte = 'r';

constexpr std::size_t padded(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

[[noreturn]] void peer_gone(const std::string& what) {
  throw error("host", "RuntimeCrashed", "the other process is gone (" + what + ")");
}
std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

/// Sends one byte with `fds` riding on it.
bool send_byte(int socket, char byte, std::span<const int> fds, int flags) {
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 253)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(socket, &msg, MSG_NOSIGNAL | flags) == 1) return true;
    if (errno != EINTR) return false;
  }
}

/// Receives one byte and the descriptors riding on it: 1, 0 at the end, -1 (errno) otherwise.
int receive_byte(int socket, char& byte, std::vector<owned_fd>& fds, int flags) {
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 253)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC | flags);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return static_cast<int>(n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        fds.emplace_back(fd);
      }
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0) throw message_error("a frame from the other process carried too many descriptors");
  return 1;
}
}  // namespace

owned_fd& owned_fd::operator=(owned_fd&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = o.release();
  }
  return *this;
}

owned_fd::~owned_fd() {
  if (m_fd >= 0) ::close(m_fd);
}

frame_channel::frame_channel(int socket_fd, side s) : m_fd(socket_fd) {
  try {
    exchange_rings(s);
  } catch (...) {
    ::close(m_fd);
    if (m_descriptor_fd >= 0) ::close(m_descriptor_fd);
    if (m_mapping) ::munmap(m_mapping, m_mapping_size);
    throw;
  }
}

frame_channel::~frame_channel() {
  ::close(m_fd);
  if (m_descriptor_fd >= 0) ::close(m_descriptor_fd);
  if (m_mapping) ::munmap(m_mapping, m_mapping_size);
}

void frame_channel::exchange_rings(side s) {
  const std::size_t one = shared_ring::footprint(k_ring_capacity);
  m_mapping_size = 2 * one;
  owned_fd memory;
  owned_fd their_descriptor_end;
  if (s == side::opener) {
    memory = owned_fd(::memfd_create("promethean-link", MFD_CLOEXEC));
    if (memory.get() < 0 || ::ftruncate(memory.get(), static_cast<off_t>(m_mapping_size)) != 0) {
      throw error("host", "RuntimeCrashed", "cannot make the rings of a connection: " + errno_text("memfd"));
    }
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      throw error("host", "RuntimeCrashed", "cannot make the descriptor socket of a connection: " + errno_text("socketpair"));
    }
    m_descriptor_fd = pair[0];
    their_descriptor_end = owned_fd(pair[1]);
  } else {
    char byte = 0;
    std::vector<owned_fd> fds;
    const int got = receive_byte(m_fd, byte, fds, 0);
    if (got <= 0 || byte != k_rings_byte || fds.size() != 2) {
      throw error("host", "RuntimeCrashed", "the other process did not hand over the connection's rings");
    }
    memory = std::move(fds[0]);
    m_descriptor_fd = fds[1].release();
  }
  void* p = ::mmap(nullptr, m_mapping_size, PROT_READ | PROT_WRITE, MAP_SHARED, memory.get(), 0);
  if (p == MAP_FAILED) throw error("host", "RuntimeCrashed", "cannot map the rings of a connection: " + errno_text("mmap"));
  m_mapping = p;
  auto* first = static_cast<unsigned char*>(p);
  auto* second = first + one;
  if (s == side::opener) {
    // Made here, before the other side can see them (a zeroed ring_me would say "watching").
    new (first) ring_control();
    new (second) ring_control();
    const int handed[2] = {memory.get(), their_descriptor_end.get()};
    if (!send_byte(m_fd, k_rings_byte, handed, 0)) peer_gone(errno_text("sending the rings"));
  }
  // The opener writes the first ring and reads the second; the joiner the other way round.
  m_out = shared_ring(s == side::opener ? first : second, k_ring_capacity);
  m_in = shared_ring(s == side::opener ? second : first, k_ring_capacity);
}

void frame_channel::send(const nlohmann::json& body, std::span<const int> fds) {
  if (fds.size() > k_max_fds) {
    throw usage_error("a message to another process carries " + std::to_string(fds.size()) +
                      " shared buffers; at most " + std::to_string(k_max_fds) + " can cross at once");
  }
  // MessagePack, not JSON text: quicker both ways, and a buffer's description (a binary, see
  // buffer_description.hpp) crosses as its bytes.
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(body);
  if (bytes.size() >= k_max_body) throw usage_error("a message to another process is larger than 2 GiB");
  const bool spill = bytes.size() > k_ring_capacity / 4;
  std::vector<int> all(fds.begin(), fds.end());
  owned_fd spilled;
  if (spill) {
    spilled = owned_fd(::memfd_create("promethean-frame", MFD_CLOEXEC));
    if (spilled.get() < 0) throw error("host", "MemoryError", "cannot send a large message: " + errno_text("memfd"));
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(spilled.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw error("host", "MemoryError", "cannot send a large message: " + errno_text("write"));
      done += static_cast<std::size_t>(n);
    }
    all.push_back(spilled.get());
  }
  const ring_frame_header h{static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint32_t>(all.size()),
                            spill ? k_spilled : 0, 0};
  const std::size_t in_ring = spill ? 0 : bytes.size();
  const std::size_t total = padded(sizeof h + in_ring);

  std::lock_guard lock(m_send);
  if (m_shut.load(std::memory_order_acquire)) peer_gone("the connection is shut down");
  if (!all.empty()) send_descriptors(all);
  wait_for_space(total);
  m_out.put(0, &h, sizeof h);
  m_out.put(sizeof h, bytes.data(), in_ring);
  if (m_out.publish(total)) ring_doorbell();
}

void frame_channel::send_descriptors(std::span<const int> fds) {
  if (!send_byte(m_descriptor_fd, k_descriptors_byte, fds, 0)) peer_gone(errno_text("sending descriptors"));
}

void frame_channel::wait_for_space(std::size_t size) {
  // The reader frees space as fast as it parses; a full ring means it is busy or asleep (then it
  // was rung, and wakes). Back off from spinning to sleeping, checking that it still lives.
  for (unsigned round = 0; m_out.free_space() < size; ++round) {
    if (m_shut.load(std::memory_order_acquire)) peer_gone("the connection is shut down");
    if (round < 64) {
      std::this_thread::yield();
      continue;
    }
    pollfd p{m_fd, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) peer_gone("it closed the connection");
    std::this_thread::sleep_for(std::chrono::microseconds(round < 256 ? 20 : 500));
  }
}

void frame_channel::ring_doorbell() noexcept {
  // A full socket buffer holds unread doorbells already: the reader wakes anyway. A closed one
  // means the reader is gone: nothing to wake.
  send_byte(m_fd, k_doorbell_byte, {}, MSG_DONTWAIT);
}

bool frame_channel::try_take_turn() noexcept {
  bool expected = false;
  if (!m_turn.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
  m_in.watch(true);
  return true;
}

bool frame_channel::give_up_turn() noexcept {
  m_in.watch(false);
  m_turn.store(false, std::memory_order_seq_cst);
  // A frame published before the writer saw ring_me, and after our last look: ours to read.
  return m_in.available() > 0 && try_take_turn();
}

std::optional<frame> frame_channel::next() {
  const std::size_t available = m_in.available();
  if (available < sizeof(ring_frame_header)) {
    if (available != 0) shut_down();
    if (available != 0) throw message_error("the other process published part of a frame header");
    return std::nullopt;
  }
  ring_frame_header h{};
  m_in.peek(0, &h, sizeof h);
  const bool spilled = (h.flags & k_spilled) != 0;
  const std::size_t in_ring = spilled ? 0 : h.body_size;
  const std::size_t total = padded(sizeof h + in_ring);
  if (h.body_size >= k_max_body || total > available || (h.flags & ~k_spilled) != 0 || h.fd_count > k_max_fds + 1 ||
      (spilled && h.fd_count == 0)) {
    shut_down();
    throw message_error("a frame from the other process is not one (body " + std::to_string(h.body_size) + " bytes, " +
                        std::to_string(h.fd_count) + " descriptors, " + std::to_string(available) + " bytes published)");
  }
  frame f;
  if (h.fd_count > 0) f.fds = take_descriptors(h.fd_count);
  std::vector<std::uint8_t> bytes(h.body_size);
  if (spilled) {
    owned_fd body = std::move(f.fds.back());
    f.fds.pop_back();
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::pread(body.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        shut_down();
        throw message_error("a large message from the other process could not be read: " + errno_text("pread"));
      }
      done += static_cast<std::size_t>(n);
    }
  } else {
    m_in.peek(sizeof h, bytes.data(), in_ring);
  }
  m_in.consume(total);
  try {
    f.body = nlohmann::json::from_msgpack(bytes);
  } catch (const nlohmann::json::exception& e) {
    shut_down();
    throw message_error(std::string("a frame from the other process is not MessagePack: ") + e.what());
  }
  return f;
}

std::vector<owned_fd> frame_channel::take_descriptors(std::size_t count) {
  // Sent before the frame that names them, so on the socket already; read by the holder of the
  // turn only, so in the frames' order.
  char byte = 0;
  std::vector<owned_fd> fds;
  const int got = receive_byte(m_descriptor_fd, byte, fds, 0);
  if (got <= 0 || byte != k_descriptors_byte || fds.size() != count) {
    shut_down();
    throw message_error("a frame from the other process said " + std::to_string(count) + " descriptors and carried " +
                        (got <= 0 ? std::string("none (its descriptor socket is closed)") : std::to_string(fds.size())));
  }
  return fds;
}

void frame_channel::drain_doorbells() {
  for (;;) {
    char bytes[64];
    const ssize_t got = ::recv(m_fd, bytes, sizeof bytes, MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {  // the end, a reset, or shut down here
      m_ended.store(true, std::memory_order_release);
      return;
    }
    for (ssize_t i = 0; i < got; ++i) {
      if (bytes[i] != k_doorbell_byte) {
        m_ended.store(true, std::memory_order_release);
        shut_down();
        throw message_error("the other process sent a byte that is not a doorbell");
      }
    }
  }
}

bool frame_channel::wait_for_doorbell() {
  for (;;) {
    if (ended()) return false;
    pollfd p{m_fd, POLLIN, 0};
    const int n = ::poll(&p, 1, -1);
    if (n < 0 && errno == EINTR) continue;
    drain_doorbells();
    return !ended();
  }
}

void frame_channel::shut_down() noexcept {
  m_shut.store(true, std::memory_order_release);
  ::shutdown(m_fd, SHUT_RDWR);
  if (m_descriptor_fd >= 0) ::shutdown(m_descriptor_fd, SHUT_RDWR);
}

}  // namespace promethean::detail
