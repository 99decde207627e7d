// Child processes via posix_spawn, with pipes drained by poll so that no pipe can fill up and
// deadlock the child against the host.
#include "process.hpp"

#include <promethean/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace promethean::detail {
namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() { close_now(); }
  void close_now() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

[[noreturn]] void fail(const std::string& what) {
  throw shell_error("SpawnError", what + ": " + std::strerror(errno));
}

void make_pipe(fd_guard& read_end, fd_guard& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("cannot create a pipe");
  read_end.fd = fds[0];
  write_end.fd = fds[1];
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

/// Children start with default signal dispositions and an empty mask, whatever the host set
/// (a host that ignores SIGPIPE must not hand that on to `yes | head`).
struct spawn_attributes {
  posix_spawnattr_t attr;
  explicit spawn_attributes(bool own_process_group) {
    posix_spawnattr_init(&attr);
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGXFSZ, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGHUP}) sigaddset(&defaults, s);
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (own_process_group) {
      flags |= POSIX_SPAWN_SETPGROUP;
      posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
  }
  ~spawn_attributes() { posix_spawnattr_destroy(&attr); }
};

int wait_for(pid_t pid, int* term_signal) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid failed");
  }
  if (WIFSIGNALED(status)) {
    *term_signal = WTERMSIG(status);
    return 128 + *term_signal;
  }
  return WEXITSTATUS(status);
}

/// write() to a pipe whose reader is gone raises SIGPIPE; block it on this thread only and
/// swallow the one this write caused, leaving the process-wide disposition alone.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigset_t pending_before;
  sigpending(&pending_before);
  const bool was_pending = sigismember(&pending_before, SIGPIPE);
  ssize_t n = ::write(fd, data, size);
  if (n < 0 && errno == EPIPE && !was_pending) {
    const int saved = errno;
    timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
    errno = saved;
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  return n;
}
}  // namespace

process_result run_captured(const std::vector<std::string>& argv, std::string_view input,
                            std::optional<std::chrono::milliseconds> timeout) {
  fd_guard in_r, in_w, out_r, out_w, err_r, err_w;
  make_pipe(in_r, in_w);
  make_pipe(out_r, out_w);
  make_pipe(err_r, err_w);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_r.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  spawn_attributes attributes(/*own_process_group=*/true);
  auto args = c_argv(argv);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attributes.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    fail("cannot start " + argv[0]);
  }
  in_r.close_now();
  out_w.close_now();
  err_w.close_now();
  if (input.empty()) in_w.close_now();
  for (int fd : {in_w.fd, out_r.fd, err_r.fd}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  process_result result;
  std::size_t written = 0;
  const auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout
                                : std::chrono::steady_clock::time_point::max();
  char chunk[65536];
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (in_w.fd >= 0) fds[n++] = {in_w.fd, POLLOUT, 0};
    if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
    int wait_ms = -1;
    if (timeout) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
    }
    const int ready = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      ::kill(-pid, SIGKILL);
      int ignored = 0;
      wait_for(pid, &ignored);
      fail("poll failed");
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_w.fd) {
        const ssize_t w = write_without_sigpipe(in_w.fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) in_w.close_now();
      } else {
        fd_guard& g = fds[i].fd == out_r.fd ? out_r : err_r;
        std::string& sink = fds[i].fd == out_r.fd ? result.out : result.err;
        const ssize_t r = ::read(g.fd, chunk, sizeof chunk);
        if (r > 0) {
          sink.append(chunk, static_cast<std::size_t>(r));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          g.close_now();
        }
      }
    }
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);  // the whole group: `sleep` under `sh -c` too
  in_w.close_now();
  result.exit_code = wait_for(pid, &result.term_signal);
  return result;
}

int run_inherited(const std::vector<std::string>& argv) {
  // Same process group as the host, so a terminal's Ctrl-C reaches the script.
  spawn_attributes attributes(/*own_process_group=*/false);
  auto args = c_argv(argv);
  // The host's stdio may be close-on-exec: a Node that hosts us marks fds 0-2 so
  // (uv_disable_stdio_inheritance). dup2 of an fd onto itself clears that flag in the child only.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) posix_spawn_file_actions_adddup2(&actions, fd, fd);
  }
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attributes.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    fail("cannot start " + argv[0]);
  }
  int term_signal = 0;
  return wait_for(pid, &term_signal);
}

}  // namespace promethean::detail
