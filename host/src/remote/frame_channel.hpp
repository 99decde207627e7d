// Private: frames between two processes, each a JSON value (sent as MessagePack) plus the
// descriptors it carries: the bodies through shared-memory rings, the descriptors and the wake-ups
// over a Unix socket.
#pragma once

#include "shared_ring.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
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

/// One end of a connection to another Promethean process.
///
/// Why two paths: a call's round trip over a socket costs two system calls and, worse, two
/// wake-ups of a sleeping thread (tens of µs each on a VM); through a ring in shared memory that a
/// waiting thread watches, it costs neither. So a frame's body goes through the ring (one per
/// direction, in one memfd the opening side makes and hands over at connection), and two sockets
/// carry only what memory cannot. The first: a doorbell byte when the reading process has nobody
/// watching its ring, and the end of the connection (the other process exited or died). The second:
/// descriptors (a one-byte 'f' with SCM_RIGHTS, sent before the frame that names them and read by
/// the thread that reads that frame). Two, so that the descriptors of a buffer handed to a thread
/// that watches its ring do not wake the reading thread, which polls only the first.
/// A body larger than a quarter of the ring goes in a memfd of its own, sent as the frame's last
/// descriptor.
///
/// Any thread may send (frames never interleave). Reading is done by one thread at a time, the
/// holder of the reading turn: a thread that waits for a reply takes it and watches the ring
/// itself (no wake-up between the reply and the thread that wants it); the reading thread of
/// peer_link takes it when it is free and a doorbell rings.
class frame_channel {
 public:
  /// Most descriptors one frame carries (the kernel's SCM_MAX_FD is 253; one kept for a spilled body).
  static constexpr std::size_t k_max_fds = 250;
  /// Largest body accepted: a frame claiming more is a broken peer, not a message.
  static constexpr std::size_t k_max_body = std::size_t{1} << 31;
  /// Data bytes of each ring.
  static constexpr std::size_t k_ring_capacity = std::size_t{1} << 20;

  enum class side {
    opener,  ///< makes the rings and sends them (the host, which started the worker)
    joiner,  ///< receives them (the worker); its constructor waits for them
  };
  /// Takes `socket_fd`. Throws error (type "RuntimeCrashed") when the rings cannot be made or the
  /// other side goes before they are exchanged.
  frame_channel(int socket_fd, side s);
  ~frame_channel();
  frame_channel(const frame_channel&) = delete;
  frame_channel& operator=(const frame_channel&) = delete;

  /// Sends one frame; throws error (type "RuntimeCrashed") when the peer is gone.
  void send(const nlohmann::json& body, std::span<const int> fds = {});

  /// Takes the reading turn if nobody holds it; while held, the other side does not ring.
  bool try_take_turn() noexcept;
  /// With the turn: the next whole frame, or nullopt when none is there yet. Throws message_error
  /// on a frame that is not one (the connection is shut down then: it cannot be trusted further).
  std::optional<frame> next();
  /// Gives the turn back. True when a frame came meanwhile and the turn was taken again (the
  /// caller reads on): a frame is never left unread with nobody watching and no doorbell rung.
  bool give_up_turn() noexcept;
  /// Blocks until the other side rings the doorbell; false once the connection is over (the peer
  /// closed it, or shut_down). For one thread only: peer_link's reading thread.
  bool wait_for_doorbell();
  /// True once the end of the connection was seen.
  bool ended() const noexcept { return m_ended.load(std::memory_order_acquire); }
  /// Wakes wait_for_doorbell (it returns false) and makes sends fail.
  void shut_down() noexcept;

 private:
  void exchange_rings(side s);
  void send_descriptors(std::span<const int> fds);
  void wait_for_space(std::size_t size);
  void ring_doorbell() noexcept;
  /// Reads the doorbells rung so far; sets m_ended at the end of the connection.
  void drain_doorbells();
  std::vector<owned_fd> take_descriptors(std::size_t count);

  int m_fd;                  ///< doorbells and the end of the connection
  int m_descriptor_fd = -1;  ///< descriptors, each batch on an 'f' byte
  void* m_mapping = nullptr;
  std::size_t m_mapping_size = 0;
  shared_ring m_out;
  shared_ring m_in;

  std::mutex m_send;
  std::atomic<bool> m_shut{false};

  std::atomic<bool> m_turn{false};
  std::atomic<bool> m_ended{false};
};

}  // namespace promethean::detail
