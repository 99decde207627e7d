// The terminal REPL's line editor over libedit (line_editor.hpp).
#include "line_editor.hpp"

#include <histedit.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace promethean::cli {

namespace {
constexpr int k_history_size = 1000;

/// libedit, opened with RTLD_LOCAL when the first editor is made instead of linked. Linked, its
/// readline-compatible names (readline, add_history, rl_*) would be the process's, found before GNU
/// readline's: Python's `readline` module (GNU readline, as in python3) would call libedit through
/// them, and its history would not work (CPython's test_readline found it). Opened locally, they are
/// this file's alone.
struct libedit {
  decltype(&::el_init) el_init;
  decltype(&::el_end) el_end;
  decltype(&::el_get) el_get;
  decltype(&::el_gets) el_gets;
  decltype(&::el_set) el_set;
  decltype(&::el_source) el_source;
  decltype(&::history) history;
  decltype(&::history_init) history_init;
  decltype(&::history_end) history_end;
};

const libedit& edit() {
  static const libedit api = [] {
    constexpr const char* k_library = "libedit.so.2";  // Debian's libedit2 (libedit-dev's runtime)
    void* handle = ::dlopen(k_library, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      throw std::runtime_error(std::string("the REPL's line editor: cannot load ") + k_library +
                               " (Debian's libedit2): " + ::dlerror());
    }
    auto symbol = [handle](const char* name) {
      void* found = ::dlsym(handle, name);
      if (found == nullptr) throw std::runtime_error(std::string("the REPL's line editor: libedit has no ") + name);
      return found;
    };
    libedit a{};
    a.el_init = reinterpret_cast<decltype(a.el_init)>(symbol("el_init"));
    a.el_end = reinterpret_cast<decltype(a.el_end)>(symbol("el_end"));
    a.el_get = reinterpret_cast<decltype(a.el_get)>(symbol("el_get"));
    a.el_gets = reinterpret_cast<decltype(a.el_gets)>(symbol("el_gets"));
    a.el_set = reinterpret_cast<decltype(a.el_set)>(symbol("el_set"));
    a.el_source = reinterpret_cast<decltype(a.el_source)>(symbol("el_source"));
    a.history = reinterpret_cast<decltype(a.history)>(symbol("history"));
    a.history_init = reinterpret_cast<decltype(a.history_init)>(symbol("history_init"));
    a.history_end = reinterpret_cast<decltype(a.history_end)>(symbol("history_end"));
    return a;  // the library stays open for the process's life
  }();
  return api;
}
}  // namespace

std::filesystem::path repl_history_file() {
  if (const char* chosen = std::getenv("PROMETHEAN_HISTORY")) return chosen;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return {};
  return std::filesystem::path(home) / ".promethean_history";
}

namespace {
/// A new non-blocking description of the terminal on `fd` (its name, else /proc/self/fd/N), or -1.
int open_terminal_again(int fd) {
  if (::isatty(fd) == 0) return -1;
  char name[256];
  if (::ttyname_r(fd, name, sizeof name) == 0) {
    const int opened = ::open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (opened >= 0) return opened;
  }
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  return ::open(proc.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}
}  // namespace

struct line_editor::impl {
  EditLine* editor = nullptr;
  History* history = nullptr;
  HistEvent event{};
  std::filesystem::path history_file;
  bool reported_save_failure = false;
  std::string prompt;
  /// The terminal, opened again as a file description of this editor's own, non-blocking: poll()
  /// can say "readable" and the terminal then drop what it held before read() runs (Ctrl-C with
  /// isig flushes the input queue), and a blocking read() would then wait for the next key with
  /// the interrupt unseen. Stdin's own description is shared with the shell that started us, so
  /// its flags are not ours to change. -1 when the terminal cannot be opened again: stdin is read
  /// as it is.
  int own_fd = -1;
  int in_fd = STDIN_FILENO;
  int wake[2] = {-1, -1};  // interrupt() writes, read_char() wakes
  std::mbstate_t decoding{};

  static char* prompt_of(EditLine* el) {
    impl* self = nullptr;
    edit().el_get(el, EL_CLIENTDATA, &self);
    return self->prompt.data();
  }

  /// libedit's character source: the terminal, or the wake pipe when Ctrl-C came (then -1 with
  /// EINTR, which makes el_gets return NULL with a count of -1). libedit's own reader restarts
  /// after a signal instead, so a Ctrl-C would not end the line.
  static int read_char(EditLine* el, wchar_t* out) {
    impl* self = nullptr;
    edit().el_get(el, EL_CLIENTDATA, &self);
    *out = L'\0';
    while (true) {
      pollfd fds[2] = {{self->wake[0], POLLIN, 0}, {self->in_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return -1;
      }
      if ((fds[0].revents & POLLIN) != 0) {
        self->drain_wake();
        self->decoding = std::mbstate_t{};
        errno = EINTR;
        return -1;
      }
      if (fds[1].revents == 0) continue;
      char byte = 0;
      const ssize_t got = ::read(self->in_fd, &byte, 1);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return -1;
      }
      if (got == 0) return 0;
      wchar_t decoded = L'\0';
      const std::size_t used = std::mbrtowc(&decoded, &byte, 1, &self->decoding);
      if (used == static_cast<std::size_t>(-2)) continue;  // a character of several bytes goes on
      if (used == static_cast<std::size_t>(-1)) {          // not the locale's encoding: dropped
        self->decoding = std::mbstate_t{};
        continue;
      }
      *out = decoded;
      return 1;
    }
  }

  void drain_wake() const {
    char bytes[64];
    while (::read(wake[0], bytes, sizeof bytes) > 0) {
    }
  }
};

line_editor::line_editor(std::filesystem::path history_file) : m_impl(std::make_unique<impl>()) {
  impl& s = *m_impl;
  // libedit reads and shows characters in the locale's encoding: UTF-8 whatever LANG says, as
  // the runtimes take UTF-8 source.
  std::setlocale(LC_CTYPE, "");
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
  if (::pipe2(s.wake, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  s.own_fd = open_terminal_again(STDIN_FILENO);
  if (s.own_fd >= 0) s.in_fd = s.own_fd;

  s.history_file = std::move(history_file);
  s.history = edit().history_init();
  edit().history(s.history, &s.event, H_SETSIZE, k_history_size);
  edit().history(s.history, &s.event, H_SETUNIQUE, 1);  // a line entered twice in a row is kept once
  if (!s.history_file.empty()) edit().history(s.history, &s.event, H_LOAD, s.history_file.c_str());  // none yet: fine

  s.editor = edit().el_init("promethean", stdin, stdout, stderr);
  edit().el_set(s.editor, EL_CLIENTDATA, &s);
  edit().el_set(s.editor, EL_EDITOR, "emacs");
  edit().el_set(s.editor, EL_PROMPT, &impl::prompt_of);
  edit().el_set(s.editor, EL_HIST, edit().history, s.history);
  edit().el_set(s.editor, EL_GETCFN, &impl::read_char);
  edit().el_source(s.editor, nullptr);  // the user's ~/.editrc (key bindings, vi mode), as other libedit programs
}

line_editor::~line_editor() {
  edit().el_end(m_impl->editor);
  edit().history_end(m_impl->history);
  ::close(m_impl->wake[0]);
  ::close(m_impl->wake[1]);
  if (m_impl->own_fd >= 0) ::close(m_impl->own_fd);
}

line_editor::result line_editor::read(const std::string& prompt) {
  m_impl->prompt = prompt;
  std::cout.flush();
  // The terminal raw before the prompt shows. el_gets prints the prompt first and makes the
  // terminal raw only when it reads the first key: a key typed in between, once the prompt is
  // seen, met the cooked terminal (echoed twice; a Ctrl-D taken as the end of a cooked line and
  // lost). el_gets gives the terminal back cooked when it returns.
  edit().el_set(m_impl->editor, EL_PREP_TERM, 1);
  int count = 0;
  const char* line = edit().el_gets(m_impl->editor, &count);
  if (line == nullptr) return {count < 0 && errno == EINTR ? outcome::interrupted : outcome::end, {}};
  std::string text(line, static_cast<std::size_t>(count));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return {outcome::line, std::move(text)};
}

void line_editor::remember(const std::string& line) {
  impl& s = *m_impl;
  edit().history(s.history, &s.event, H_ENTER, line.c_str());
  if (s.history_file.empty()) return;
  if (edit().history(s.history, &s.event, H_SAVE, s.history_file.c_str()) < 0 && !s.reported_save_failure) {
    s.reported_save_failure = true;
    std::cerr << "promethean: cannot write the history file " << s.history_file.string() << ": "
              << std::strerror(errno) << " (set PROMETHEAN_HISTORY to choose another)\n";
  }
}

void line_editor::interrupt() noexcept {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(m_impl->wake[1], &byte, 1);
}

}  // namespace promethean::cli
