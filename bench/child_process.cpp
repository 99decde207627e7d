#include "child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace promethean::bench {

namespace {
[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}
}  // namespace

child_process::child_process(const std::vector<std::string>& argv) : m_program(argv.at(0)) {
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) fail_errno("pipe");
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    fail_errno("pipe");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&m_pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  m_in = to_child[1];
  m_out = from_child[0];
  if (rc != 0) {
    ::close(m_in);
    ::close(m_out);
    m_in = m_out = -1;
    m_pid = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

child_process::~child_process() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    finish();
  }
  if (m_out >= 0) ::close(m_out);
}

void child_process::write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(m_in, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("writing to " + m_program);
    }
    done += static_cast<std::size_t>(n);
  }
}

std::string child_process::read_line() {
  for (;;) {
    const auto nl = m_pending.find('\n');
    if (nl != std::string::npos) {
      std::string line = m_pending.substr(0, nl);
      m_pending.erase(0, nl + 1);
      return line;
    }
    char chunk[65536];
    const ssize_t n = ::read(m_out, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("reading from " + m_program);
    }
    if (n == 0) throw std::runtime_error(m_program + " closed its output before answering");
    m_pending.append(chunk, static_cast<std::size_t>(n));
  }
}

int child_process::finish() {
  if (m_in >= 0) {
    ::close(m_in);
    m_in = -1;
  }
  if (m_pid <= 0) return -1;
  int status = 0;
  while (::waitpid(m_pid, &status, 0) < 0) {
    if (errno != EINTR) {
      m_pid = -1;
      return -1;
    }
  }
  m_pid = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace promethean::bench
