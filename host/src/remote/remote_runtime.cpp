// A runtime in a worker process of its own: starting it, talking to it, outliving its crashes.
#include "remote_runtime.hpp"

#include "link_runtime.hpp"
#include "request_server.hpp"

#include <promethean/error.hpp>
#include <promethean/host/search_path.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace promethean::detail {
namespace {

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
}

/// How a child ended, for a person.
std::string ending_text(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    std::string s = "killed by " + signal_text(sig);
    if (sig == SIGKILL) s += ": killed from outside, or by the kernel's out-of-memory killer";
    return s;
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended (wait status " + std::to_string(status) + ")";
}

/// Waits for `pid` to end, at most `patience`, then kills it; returns its wait status.
int reap(pid_t pid, std::chrono::milliseconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // reaped elsewhere: nothing more to know
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// One worker process and the connection to it.
struct worker_process {
  pid_t pid = -1;
  std::shared_ptr<peer_link> link;
  std::atomic<int> status{-1};  // its wait status once it ended
};

class remote_runtime final : public link_runtime {
 public:
  remote_runtime(host& h, std::string name, std::string base)
      : link_runtime(std::move(name)), m_host(h), m_base(std::move(base)) {}

  ~remote_runtime() override { stop(); }

  nlohmann::json describe() const override {
    auto p = process();
    nlohmann::json d = link_runtime::describe();
    d["pid"] = p->pid;
    d["name"] = std::string(name());
    d["instance_of"] = m_base;
    d["process"] = "worker";
    // What this process lent the worker and still holds for it (0 once the worker let go of all).
    d["lent"] = {{"buffers", p->link->tables().exported_buffer_count()},
                 {"copies", p->link->tables().copies_made()}};
    std::lock_guard lock(m_mutex);
    d["restarts"] = m_restarts;
    return d;
  }

  void shutdown() override { stop(); }

 protected:
  std::shared_ptr<peer_link> link() const override { return process()->link; }
  std::shared_ptr<peer_link> current_link() const override {
    std::lock_guard lock(m_mutex);
    return m_current ? m_current->link : nullptr;
  }
  std::string target() const override { return m_base; }

  std::exception_ptr in_context(std::exception_ptr e) const override {
    try {
      std::rethrow_exception(e);
    } catch (const error& x) {
      if (x.type() == "RuntimeCrashed" || x.runtime() != m_base) return e;
      // The worker's runtime is this one, seen from here: its errors say so, and which process.
      error named(std::string(name()), x.type(), x.message(), x.trace(), x.location());
      return std::make_exception_ptr(named);
    } catch (...) {
      return e;
    }
  }

 private:
  /// The running worker, started now if there is none or the last one died.
  std::shared_ptr<worker_process> process() const {
    std::shared_ptr<worker_process> old;
    std::shared_ptr<worker_process> fresh;
    {
      std::lock_guard lock(m_mutex);
      if (m_stopped) throw usage_error("the " + std::string(name()) + " runtime has already shut down");
      if (m_current && !m_current->link->lost()) return m_current;
      if (m_current) ++m_restarts;
      old = std::move(m_current);
      m_current = start();
      fresh = m_current;
    }
    if (old) old->link->close();  // its reader has ended; its executors end now
    return fresh;
  }

  /// Starts a worker (under m_mutex).
  std::shared_ptr<worker_process> start() const {
    const std::string exe = worker_executable().string();
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      throw error(std::string(name()), "RuntimeCrashed", std::string("cannot connect to a worker process: ") + std::strerror(errno));
    }
    std::vector<std::string> args = {exe, "--fd", "3", "--runtime", m_base, "--name", std::string(name()),
                                     "--parent", std::to_string(::getpid())};
    if (auto script = m_host.main_script(); !script.empty()) {
      args.push_back("--main-script");
      args.push_back(script.string());
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3);  // dup2 clears close-on-exec on 3
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pair[1]);
    if (rc != 0) {
      ::close(pair[0]);
      throw error(std::string(name()), "RuntimeCrashed", "cannot start " + exe + ": " + std::strerror(rc));
    }
    auto p = std::make_shared<worker_process>();
    p->pid = pid;
    p->link = std::make_shared<peer_link>(pair[0], std::string(name()), frame_channel::side::opener);
    const std::string who = std::string(name()) + " (pid " + std::to_string(pid) + ")";
    std::weak_ptr<worker_process> weak = p;
    host* h = &m_host;
    p->link->start(
        [h, weak](const nlohmann::json& head, const message& payload) {
          auto self = weak.lock();
          if (!self) throw error("host", "RuntimeCrashed", "the worker's connection is gone");
          return serve_request(*h, self->link->tables(), head, payload);
        },
        [weak, who, pid]() -> std::exception_ptr {
          const int status = reap(pid, std::chrono::seconds(5));
          if (auto self = weak.lock()) self->status = status;
          return std::make_exception_ptr(error(who.substr(0, who.find(' ')), "RuntimeCrashed",
                                               who + " " + ending_text(status) + " with this call in flight"));
        },
        [h](const nlohmann::json& head) {
          if (head.value("k", "") == "cancel") h->cancel_calls();
        });
    return p;
  }

  void stop() {
    std::shared_ptr<worker_process> p;
    {
      std::lock_guard lock(m_mutex);
      m_stopped = true;
      p = std::move(m_current);
    }
    if (!p) return;
    const bool alive = !p->link->lost();  // a worker that crashed before was reported then
    if (alive) {
      try {
        p->link->notify({{"k", "bye"}});
      } catch (const std::exception&) {
      }
      // The worker ends its runtime (which may still call back here) and exits; its end closes.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!p->link->lost() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!p->link->lost()) ::kill(p->pid, SIGKILL);
    }
    p->link->close();
    // A worker that did not end cleanly (its ledger found a leak, say) says so: nothing else would.
    const int status = p->status.load();
    if (alive && status > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      std::fprintf(stderr, "promethean: the worker of %s (pid %d) %s at shutdown\n", std::string(name()).c_str(),
                   static_cast<int>(p->pid), ending_text(status).c_str());
    }
  }

  host& m_host;
  std::string m_base;
  mutable std::mutex m_mutex;
  mutable std::shared_ptr<worker_process> m_current;
  mutable int m_restarts = 0;
  bool m_stopped = false;
};
}  // namespace

std::filesystem::path worker_executable() {
  if (const char* explicit_path = std::getenv("PROMETHEAN_WORKER"); explicit_path && *explicit_path) return explicit_path;
  std::string searched;
  for (const auto& dir : search_directories("PROMETHEAN_RUNTIME_PATH", "runtimes")) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / "promethean-worker", ec)) return dir / "promethean-worker";
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  throw usage_error("cannot start a runtime in a process of its own: promethean-worker is in none of [" + searched +
                    "] (set PROMETHEAN_WORKER to its path)");
}

std::unique_ptr<runtime> make_remote_runtime(host& h, std::string name, std::string base) {
  return std::make_unique<remote_runtime>(h, std::move(name), std::move(base));
}

}  // namespace promethean::detail
