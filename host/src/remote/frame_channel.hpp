// Private: frames over a Unix stream socket, each a JSON body plus the descriptors it carries.
#pragma once

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace promethean::detail {

/// A descriptor received with a frame: closed unless taken.
class owned_fd {
 public:
  owned_fd() noexcept = default;
  explicit owned_fd(int fd) noexcept : m_fd(fd) {}
  owned_fd(owned_fd&& o) noexcept : m_fd(o.release()) {}
  owned_fd& operator=(owned_fd&& o) noexcept;
  owned_fd(const owned_fd&) = delete;
  owned_fd& operator=(const owned_fd&) = delete;
  ~owned_fd();
  int get() const noexcept { return m_fd; }
  int release() noexcept {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }

 private:
  int m_fd = -1;
};

struct frame {
  nlohmann::json body;
  std::vector<owned_fd> fds;
};

/// One end of a connection to another Promethean process. A frame is an 8-byte header (body length,
/// descriptor count), the descriptors riding on it (SCM_RIGHTS), then the body as JSON text. Any
/// thread may send (frames never interleave); one thread receives.
class frame_channel {
 public:
  /// Most descriptors one frame carries (the kernel's SCM_MAX_FD is 253).
  static constexpr std::size_t k_max_fds = 250;
  /// Largest body accepted: a frame claiming more is a broken peer, not a message.
  static constexpr std::size_t k_max_body = std::size_t{1} << 31;

  explicit frame_channel(int socket_fd) noexcept : m_fd(socket_fd) {}
  ~frame_channel();
  frame_channel(const frame_channel&) = delete;
  frame_channel& operator=(const frame_channel&) = delete;

  /// Sends one frame; throws error (type "RuntimeCrashed") when the peer is gone.
  void send(const nlohmann::json& body, std::span<const int> fds = {});
  /// The next frame, or nullopt when the peer closed the connection (or it was shut down).
  /// Throws message_error on a frame that is not one.
  std::optional<frame> receive();
  /// Wakes a receive() in progress (it returns nullopt) and makes sends fail.
  void shut_down() noexcept;

 private:
  int m_fd;
  std::mutex m_send;
};

}  // namespace promethean::detail
