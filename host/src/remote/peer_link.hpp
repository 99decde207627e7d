// Private: a connection to another Promethean process: requests both ways, replies, releases.
#pragma once

#include "crossing_tables.hpp"
#include "frame_channel.hpp"

#include <promethean/host/pending_call.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace promethean::detail {

/// One end of the connection between two processes of one program (the host and a worker, or a
/// worker and the host). Symmetric: each side sends requests ({"k": "req", "id", "op", …} with a
/// message) and serves the other's, so calls go both ways and nest to any depth: a request being
/// served here may make requests there, whose handling may make requests here, each on a thread of
/// its own (the executors), while the thread that made a request waits without holding any
/// runtime lock. One thread reads the socket and hands each frame on.
///
/// When the other process goes away (its end closes: it exited, was killed, crashed), every
/// request in flight fails with the error `on_lost` gives, and what was lent to it is let go.
class peer_link : public std::enable_shared_from_this<peer_link> {
 public:
  /// Serves one request: runs it and returns its pending result (ready at once for a blocking
  /// operation). Runs on an executor thread; throwing is the error sent back.
  using serve_fn = std::function<std::shared_ptr<pending_call>(const nlohmann::json& head, const message& payload)>;
  /// Called once, on the reading thread, when the other process is gone: the error for the calls
  /// in flight.
  using lost_fn = std::function<std::exception_ptr()>;
  /// A one-way frame this side does not know ("hello", "cancel", "bye"…).
  using notice_fn = std::function<void(const nlohmann::json& head)>;

  /// `proxy_runtime`: the runtime name of proxies for the other side's functions here. `s`: which
  /// end makes the shared rings (frame_channel); the joiner's constructor waits for them.
  peer_link(int socket_fd, std::string proxy_runtime, frame_channel::side s);
  ~peer_link();
  peer_link(const peer_link&) = delete;
  peer_link& operator=(const peer_link&) = delete;

  /// Starts the reading thread.
  void start(serve_fn serve, lost_fn lost, notice_fn notice);

  /// Sends a request (`head` gets its "k" and "id") with `payload`; the pending call settles with
  /// the reply. Fails at once when the other process is gone.
  std::shared_ptr<pending_call> request(nlohmann::json head, const message& payload);
  /// Waits for `settled` (a request's pending call) by reading the connection on this thread for
  /// up to the spin budget, when no other thread reads it; then returns, settled or not (wait on
  /// it then: the reading thread settles it). How long a waiting thread watches the ring:
  /// $PROMETHEAN_SPIN_US microseconds (default 100; 0: never, every reply wakes the waiter); not
  /// at all while the machine has more runnable threads than CPUs.
  void watch_for(const pending_call& settled);

  /// A one-way frame.
  void notify(const nlohmann::json& head);

  /// Closes the connection and waits for the reading thread and the executors to end. The other
  /// process sees its end close. Idempotent; never from an executor or the reading thread.
  void close();

  /// Serves requests on the calling thread, before any executor, until `stop_serving_here`: a
  /// worker's main thread, so that the code it runs is on its process's main thread (Python's
  /// signal module works there; a signal the code sends its own process lands on it).
  void serve_here();
  void stop_serving_here();

  bool lost() const noexcept { return m_lost.load(std::memory_order_acquire); }
  crossing_tables& tables() noexcept { return *m_tables; }

 private:
  void read_loop();
  /// Reads frames on this thread while `waiting()` says so, for up to the spin budget, if it can
  /// take the reading turn.
  void read_while(const std::function<bool()>& waiting);
  /// With the reading turn: reads what is there and gives the turn back (reading what comes as
  /// it does). False when the connection broke.
  bool read_available_and_give_up();
  void dispatch(frame f);
  void handle_request(nlohmann::json head, std::vector<owned_fd> fds);
  void handle_reply(const nlohmann::json& head, std::vector<owned_fd> fds);
  void reply(std::uint64_t id, pending_call::outcome outcome, nlohmann::json releases);
  /// A request's work: runs it and returns what sends its reply (run once the thread is marked
  /// free, so that a caller's next request finds it free).
  using work_fn = std::function<std::function<void()>()>;
  void post(work_fn work);
  void executor_loop();
  void fail_in_flight(std::exception_ptr why);

  frame_channel m_channel;
  std::mutex m_self_mutex;
  std::weak_ptr<peer_link> m_self;  ///< for the tables' releases (set by start)
  std::shared_ptr<crossing_tables> m_tables;
  serve_fn m_serve;
  lost_fn m_on_lost;
  notice_fn m_notice;
  std::thread m_reader;
  std::atomic<bool> m_lost{false};
  std::exception_ptr m_lost_error;  // set before m_lost

  std::mutex m_flight_mutex;
  std::uint64_t m_next_id = 1;
  std::map<std::uint64_t, std::shared_ptr<pending_call>> m_in_flight;

  // Executors: threads that serve the other side's requests, made when none is idle, kept after.
  std::mutex m_work_mutex;
  std::condition_variable m_work_ready;
  std::deque<work_fn> m_work;
  std::vector<std::thread> m_executors;
  std::size_t m_idle = 0;
  bool m_stopping = false;
  // The thread in serve_here: it takes work first when it is idle.
  std::condition_variable m_primary_ready;
  std::deque<work_fn> m_primary_work;
  bool m_primary_idle = false;
  std::atomic<bool> m_primary_has_work{false};  ///< what the idle main thread watches while it reads
  bool m_primary_stop = false;
};

}  // namespace promethean::detail
