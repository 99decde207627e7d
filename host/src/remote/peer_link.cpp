// A connection to another Promethean process: requests both ways, replies, releases (peer_link.hpp).
#include "peer_link.hpp"

#include "../thread_exit.hpp"

#include <promethean/error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include <unistd.h>

namespace promethean::detail {
namespace {
nlohmann::json envelope_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const error& x) {
    return x.to_json();
  } catch (const std::exception& x) {
    return error("host", "InternalError", x.what()).to_json();
  } catch (...) {
    return error("host", "InternalError", "an unknown exception").to_json();
  }
}
/// How long a waiting thread watches the ring before it sleeps: long enough for a call's reply
/// (a few µs) and for the next request of a caller in a loop; short enough that a long call costs
/// one core a tenth of a millisecond, not more.
std::chrono::microseconds spin_budget() {
  static const std::chrono::microseconds budget = [] {
    const char* text = std::getenv("PROMETHEAN_SPIN_US");
    if (text == nullptr || *text == '\0') return std::chrono::microseconds(100);
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value < 0 || value > 1'000'000) {
      std::fprintf(stderr, "promethean: PROMETHEAN_SPIN_US=%s is not a number of microseconds (0 to 1000000); using 100\n",
                   text);
      return std::chrono::microseconds(100);
    }
    return std::chrono::microseconds(value);
  }();
  return budget;
}

/// Whether more threads are runnable than there are CPUs, and one more (/proc/loadavg's fourth
/// field, read at most every 5 ms; the one more: the reader itself, or the other side's waiter
/// spinning as this one does): a spinning waiter then takes the CPU the thread it waits for needs.
bool machine_is_crowded() {
  static std::atomic<std::int64_t> next_look{0};
  static std::atomic<bool> crowded{false};
  static const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t due = next_look.load(std::memory_order_relaxed);
  if (now < due || !next_look.compare_exchange_strong(due, now + 5'000'000, std::memory_order_relaxed)) {
    return crowded.load(std::memory_order_relaxed);
  }
  bool is_crowded = false;
  if (std::FILE* f = std::fopen("/proc/loadavg", "re")) {
    double one = 0, five = 0, fifteen = 0;
    long running = 0;
    long total = 0;
    if (std::fscanf(f, "%lf %lf %lf %ld/%ld", &one, &five, &fifteen, &running, &total) == 5) is_crowded = running > cpus + 1;
    std::fclose(f);
  }
  crowded.store(is_crowded, std::memory_order_relaxed);
  return is_crowded;
}

/// Tells the core it is spinning (a hyperthread sibling gets the pipeline; a VM's host sees it).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

peer_link::peer_link(int socket_fd, std::string proxy_runtime, frame_channel::side s) : m_channel(socket_fd, s) {
  // The tables send releases through the channel, from whatever thread lets a buffer go: through
  // a weak reference (set in start()), so that a late release never reaches a link that is gone.
  m_tables = std::make_shared<crossing_tables>(
      [this](const nlohmann::json& frame) {
        std::shared_ptr<peer_link> alive;
        {
          std::lock_guard lock(m_self_mutex);
          alive = m_self.lock();
        }
        if (alive) alive->m_channel.send(frame);
      },
      std::move(proxy_runtime));
}

peer_link::~peer_link() { close(); }

void peer_link::start(serve_fn serve, lost_fn lost, notice_fn notice) {
  {
    std::lock_guard lock(m_self_mutex);
    m_self = weak_from_this();
  }
  m_serve = std::move(serve);
  m_on_lost = std::move(lost);
  m_notice = std::move(notice);
  m_reader = std::thread([this] { read_loop(); });
}

std::shared_ptr<pending_call> peer_link::request(nlohmann::json head, const message& payload) {
  auto pending = pending_call::make();
  std::vector<int> fds;
  std::vector<crossing_tables::segment_key> announced;
  std::uint64_t id = 0;
  try {
    m_tables->encode(payload, head, fds, announced);
    {
      std::lock_guard lock(m_flight_mutex);
      if (lost()) std::rethrow_exception(m_lost_error);
      id = m_next_id++;
      m_in_flight.emplace(id, pending);
    }
    head["k"] = "req";
    head["id"] = id;
    m_channel.send(head, fds);
    m_tables->sent(announced);
  } catch (...) {
    if (id != 0) {
      std::lock_guard lock(m_flight_mutex);
      m_in_flight.erase(id);
    }
    // Lost meanwhile: the reason the reader recorded says more than the failed send.
    if (lost() && m_lost_error) {
      pending->fail(m_lost_error);
    } else {
      pending->fail(std::current_exception());
    }
  }
  return pending;
}

void peer_link::watch_for(const pending_call& settled) {
  read_while([&settled] { return !settled.done(); });
}

void peer_link::read_while(const std::function<bool()>& waiting) {
  if (spin_budget().count() == 0 || !waiting()) return;
  // On a machine with more runnable threads than CPUs the other side is seldom running while we
  // spin, and spinning would take the CPU it needs: then the doorbell does the waking.
  if (machine_is_crowded()) return;
  const auto budget = spin_budget();
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + budget;
  // Past the time a quick reply takes, the spinning yields now and then: on a machine with more
  // runnable threads than CPUs, the thread this one waits for may need this CPU.
  const auto patient = start + std::min(budget, std::chrono::microseconds(60));
  bool turn = false;
  for (unsigned spins = 0; !lost();) {
    if (!turn) turn = m_channel.try_take_turn();
    if (turn) {
      std::optional<frame> f;
      try {
        f = m_channel.next();
      } catch (const std::exception& e) {
        // The channel is shut down: the reading thread sees its end and fails what is in flight.
        std::fprintf(stderr, "promethean: the connection to another process broke: %s\n", e.what());
        break;
      }
      if (f) {
        dispatch(std::move(*f));
        if (!waiting()) break;
        continue;
      }
    }
    if (!waiting()) break;
    if ((++spins & 63) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) break;
      if (now >= patient) std::this_thread::yield();
    }
    cpu_relax();
  }
  if (turn) read_available_and_give_up();
}

bool peer_link::read_available_and_give_up() {
  do {
    for (;;) {
      std::optional<frame> f;
      try {
        f = m_channel.next();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "promethean: the connection to another process broke: %s\n", e.what());
        m_channel.give_up_turn();
        return false;
      }
      if (!f) break;
      dispatch(std::move(*f));
    }
  } while (m_channel.give_up_turn());
  return true;
}

void peer_link::notify(const nlohmann::json& head) { m_channel.send(head); }

void peer_link::close() {
  m_channel.shut_down();
  if (m_reader.joinable()) {
    // Its own last reference may go on the reading thread (a reply's continuation held it).
    if (m_reader.get_id() != std::this_thread::get_id()) {
      m_reader.join();
    } else {
      m_reader.detach();
    }
  }
  std::vector<std::thread> executors;
  {
    std::lock_guard lock(m_work_mutex);
    m_stopping = true;
    executors.swap(m_executors);
  }
  m_work_ready.notify_all();
  for (auto& t : executors) {
    if (t.get_id() != std::this_thread::get_id()) t.join();
    else t.detach();
  }
}

void peer_link::read_loop() {
  for (;;) {
    bool open = false;
    try {
      open = m_channel.wait_for_doorbell();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "promethean: the connection to another process broke: %s\n", e.what());
    }
    if (open) {
      // A thread that holds the turn reads what rang; it gives the turn back only after a last look.
      if (m_channel.try_take_turn() && !read_available_and_give_up()) break;
      continue;
    }
    // The end: what the other side sent before it went is read first (a reply, its releases).
    while (!m_channel.try_take_turn()) std::this_thread::yield();
    read_available_and_give_up();
    break;
  }
  // The continuations failed below may hold the last reference to this link: it then ends on
  // this thread, once this function has nothing more to do with it.
  std::shared_ptr<peer_link> keep;
  {
    std::lock_guard lock(m_self_mutex);
    keep = m_self.lock();
  }
  std::exception_ptr why;
  try {
    why = m_on_lost ? m_on_lost() : nullptr;
  } catch (...) {
    why = std::current_exception();
  }
  if (!why) why = std::make_exception_ptr(error("host", "RuntimeCrashed", "the other process is gone"));
  fail_in_flight(why);
  m_tables->drop_exports();
}

void peer_link::fail_in_flight(std::exception_ptr why) {
  std::map<std::uint64_t, std::shared_ptr<pending_call>> in_flight;
  {
    std::lock_guard lock(m_flight_mutex);
    m_lost_error = why;
    m_lost.store(true, std::memory_order_release);
    in_flight.swap(m_in_flight);
  }
  for (auto& [id, pending] : in_flight) pending->fail(why);
}

void peer_link::dispatch(frame f) {
  try {
    const std::string kind = f.body.value("k", "");
    if (kind == "req") {
      handle_request(std::move(f.body), std::move(f.fds));
    } else if (kind == "rep") {
      handle_reply(f.body, std::move(f.fds));
    } else if (kind == "rel" || kind == "relf" || kind == "unseg") {
      m_tables->released(f.body);
    } else if (m_notice) {
      m_notice(f.body);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "promethean: a frame from another process was refused: %s\n", e.what());
  }
}

void peer_link::handle_reply(const nlohmann::json& head, std::vector<owned_fd> fds) {
  std::shared_ptr<pending_call> pending;
  {
    std::lock_guard lock(m_flight_mutex);
    auto it = m_in_flight.find(head.at("id").get<std::uint64_t>());
    if (it != m_in_flight.end()) {
      pending = std::move(it->second);
      m_in_flight.erase(it);
    }
  }
  // A reply whose caller gave up is still decoded (and dropped): what it lent is given back.
  // Releases riding on the reply are of earlier crossings; taken after the reply's own message,
  // which may name the same buffers (a buffer sent back home, let go of on the way).
  const auto releases = head.find("rel");
  if (auto e = head.find("err"); e != head.end()) {
    if (releases != head.end()) m_tables->released_list(*releases);
    if (pending) pending->fail(std::make_exception_ptr(error::from_json(*e)));
    return;
  }
  message result;
  std::exception_ptr failure;
  try {
    result = m_tables->decode(head, fds);
  } catch (...) {
    failure = std::current_exception();
  }
  if (releases != head.end()) m_tables->released_list(*releases);
  if (!pending) return;
  if (failure) {
    pending->fail(failure);
  } else {
    pending->complete(std::move(result));
  }
}

void peer_link::handle_request(nlohmann::json head, std::vector<owned_fd> fds) {
  const auto id = head.at("id").get<std::uint64_t>();
  // Decoded here, in arrival order: a release the other side sends after this request must find
  // the buffers the request took.
  message payload;
  try {
    payload = m_tables->decode(head, fds);
  } catch (...) {
    reply(id, pending_call::outcome{message(), std::current_exception()}, nlohmann::json::array());
    return;
  }
  head.erase("v");
  head.erase("b");
  head.erase("f");
  std::weak_ptr<peer_link> self = weak_from_this();
  post([this, self, id, head = std::move(head), payload = std::move(payload)]() mutable -> std::function<void()> {
    std::shared_ptr<pending_call> result;
    nlohmann::json releases;
    {
      // The arguments are let go as the call ends: their releases ride on its reply.
      crossing_tables::deferral deferred(*m_tables);
      result = call_letting_thread_exit_through([&] { return m_serve(head, payload); },
                                                [](std::exception_ptr e) { return pending_call::failed(std::move(e)); });
      payload = message();
      releases = deferred.take();
    }
    return [self, id, result, releases = std::move(releases)]() mutable {
      result->then([self, id, releases = std::move(releases)](pending_call::outcome outcome) mutable {
        if (auto link = self.lock()) link->reply(id, std::move(outcome), std::move(releases));
      });
    };
  });
}

void peer_link::reply(std::uint64_t id, pending_call::outcome outcome, nlohmann::json releases) {
  nlohmann::json head = {{"k", "rep"}, {"id", id}};
  if (!releases.empty()) head["rel"] = releases;
  std::vector<int> fds;
  std::vector<crossing_tables::segment_key> announced;
  if (outcome.error) {
    head["err"] = envelope_of(outcome.error);
  } else {
    try {
      m_tables->encode(outcome.value, head, fds, announced);
    } catch (...) {
      head = {{"k", "rep"}, {"id", id}, {"err", envelope_of(std::current_exception())}};
      if (!releases.empty()) head["rel"] = releases;
      fds.clear();
      announced.clear();
    }
  }
  try {
    m_channel.send(head, fds);
    m_tables->sent(announced);
  } catch (const std::exception&) {
    // The other process is gone: nobody waits for this reply any more.
  }
}

void peer_link::post(work_fn work) {
  std::lock_guard lock(m_work_mutex);
  if (m_stopping) return;
  if (m_primary_idle) {
    m_primary_idle = false;
    m_primary_work.push_back(std::move(work));
    m_primary_has_work.store(true, std::memory_order_release);
    m_primary_ready.notify_one();
    return;
  }
  m_work.push_back(std::move(work));
  // A request must never wait for another to end (it may be the one that ends it: nested calls),
  // so a thread is made whenever the idle ones are fewer than the work waiting.
  if (m_work.size() <= m_idle) {
    m_work_ready.notify_one();
  } else {
    m_executors.emplace_back([this] { executor_loop(); });
  }
}

void peer_link::serve_here() {
  std::unique_lock lock(m_work_mutex);
  for (;;) {
    m_primary_idle = m_primary_work.empty();
    if (m_primary_idle && !m_primary_stop) {
      // Idle: read the connection here for a while, so that the next request (a caller in a loop
      // sends it within microseconds) runs without waking this thread or the reading one.
      lock.unlock();
      read_while([this] { return !m_primary_has_work.load(std::memory_order_acquire); });
      lock.lock();
    }
    m_primary_ready.wait(lock, [&] { return m_primary_stop || !m_primary_work.empty(); });
    m_primary_idle = false;
    m_primary_has_work.store(false, std::memory_order_relaxed);
    if (m_primary_stop) return;
    auto work = std::move(m_primary_work.front());
    m_primary_work.pop_front();
    lock.unlock();
    std::function<void()> send_reply = work();
    work = nullptr;
    lock.lock();
    // Free before the reply goes: the caller's next request, sent as soon as it has the reply,
    // comes to this thread.
    m_primary_idle = m_primary_work.empty() && !m_primary_stop;
    lock.unlock();
    send_reply();
    send_reply = nullptr;
    lock.lock();
  }
}

void peer_link::stop_serving_here() {
  std::lock_guard lock(m_work_mutex);
  m_primary_stop = true;
  m_primary_idle = false;
  m_primary_has_work.store(true, std::memory_order_release);
  // Work handed to this thread and not begun goes to the executors.
  while (!m_primary_work.empty()) {
    m_work.push_back(std::move(m_primary_work.front()));
    m_primary_work.pop_front();
    if (m_work.size() > m_idle && !m_stopping) m_executors.emplace_back([this] { executor_loop(); });
  }
  m_work_ready.notify_all();
  m_primary_ready.notify_all();
}

void peer_link::executor_loop() {
  std::unique_lock lock(m_work_mutex);
  for (;;) {
    ++m_idle;
    m_work_ready.wait(lock, [&] { return m_stopping || !m_work.empty(); });
    --m_idle;
    if (m_work.empty()) return;  // stopping
    auto work = std::move(m_work.front());
    m_work.pop_front();
    lock.unlock();
    std::function<void()> send_reply = work();
    work = nullptr;
    send_reply();
    send_reply = nullptr;
    lock.lock();
  }
}

}  // namespace promethean::detail
