// Frames over a Unix stream socket: length-prefixed JSON with descriptors (frame_channel.hpp).
#include "frame_channel.hpp"

#include <promethean/error.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace promethean::detail {
namespace {
struct header {
  std::uint32_t body_size;
  std::uint32_t fd_count;
};

[[noreturn]] void peer_gone(const char* what) {
  throw error("host", "RuntimeCrashed", std::string("the other process is gone (") + what + ": " + std::strerror(errno) + ")");
}

/// Reads exactly `size` bytes; false at end of stream before the first byte.
bool read_all(int fd, char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, out + done, size - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n == 0) {
      if (done == 0) return false;
      throw message_error("the other process closed its connection in the middle of a frame");
    } else if (errno != EINTR) {
      if (errno == ECONNRESET || errno == EBADF || errno == EINVAL) return false;
      throw message_error(std::string("reading from the other process failed: ") + std::strerror(errno));
    }
  }
  return true;
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

frame_channel::~frame_channel() {
  if (m_fd >= 0) ::close(m_fd);
}

void frame_channel::send(const nlohmann::json& body, std::span<const int> fds) {
  if (fds.size() > k_max_fds) {
    throw usage_error("a message to another process carries " + std::to_string(fds.size()) +
                      " shared buffers; at most " + std::to_string(k_max_fds) + " can cross at once");
  }
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  header h{static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(fds.size())};
  if (text.size() >= k_max_body) throw usage_error("a message to another process is larger than 2 GiB of JSON");

  iovec iov[2] = {{&h, sizeof h}, {const_cast<char*>(text.data()), text.size()}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * k_max_fds)];
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  std::lock_guard lock(m_send);
  std::size_t total = sizeof h + text.size();
  std::size_t sent = 0;
  while (sent < total) {
    const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      peer_gone("sending");
    }
    sent += static_cast<std::size_t>(n);
    // The descriptors went with the first bytes; the rest goes without them.
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
    std::size_t skip = static_cast<std::size_t>(n);
    while (msg.msg_iovlen > 0 && skip >= msg.msg_iov[0].iov_len) {
      skip -= msg.msg_iov[0].iov_len;
      ++msg.msg_iov;
      --msg.msg_iovlen;
    }
    if (msg.msg_iovlen > 0) {
      msg.msg_iov[0].iov_base = static_cast<char*>(msg.msg_iov[0].iov_base) + skip;
      msg.msg_iov[0].iov_len -= skip;
    }
  }
}

std::optional<frame> frame_channel::receive() {
  header h{};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 253)];
  iovec iov{&h, sizeof h};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(m_fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;  // closed, reset or shut down
  frame f;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        f.fds.emplace_back(fd);
      }
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0) throw message_error("a frame from the other process carried too many descriptors");
  if (static_cast<std::size_t>(n) < sizeof h &&
      !read_all(m_fd, reinterpret_cast<char*>(&h) + n, sizeof h - static_cast<std::size_t>(n))) {
    throw message_error("the other process closed its connection in the middle of a frame");
  }
  if (h.fd_count != f.fds.size()) {
    throw message_error("a frame from the other process said " + std::to_string(h.fd_count) + " descriptors and carried " +
                        std::to_string(f.fds.size()));
  }
  std::string text(h.body_size, '\0');
  if (h.body_size > 0 && !read_all(m_fd, text.data(), text.size())) {
    throw message_error("the other process closed its connection in the middle of a frame");
  }
  try {
    f.body = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw message_error(std::string("a frame from the other process is not JSON: ") + e.what());
  }
  return f;
}

void frame_channel::shut_down() noexcept { ::shutdown(m_fd, SHUT_RDWR); }

}  // namespace promethean::detail
