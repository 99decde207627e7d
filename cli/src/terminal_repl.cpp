// The polyglot REPL on a terminal (terminal_repl.hpp): the loop that joins the line editor, the
// colon commands, the completeness check and the evaluation, and what Ctrl-C means meanwhile.
#include "terminal_repl.hpp"

#include "input_completeness.hpp"
#include "line_editor.hpp"
#include "repl_evaluation.hpp"
#include "repl_language.hpp"
#include "signals.hpp"

#include <promethean/error.hpp>

#include <csignal>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace promethean::cli {

namespace {

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) text += (i == 0 ? "" : "\n") + lines[i];
  return text;
}

/// What a SIGINT does, by what the session is doing when it comes (called on the signal watcher's
/// thread, signals.hpp). Reading: the line editor's read ends. Running: the first stops the code
/// in its runtime and the session goes on; a second, the code still running, is the CLI's usual
/// Ctrl-C (every runtime interrupted) and the session ends after it.
class interrupt_policy {
 public:
  interrupt_policy(host& h, line_editor& editor) : m_host(h), m_editor(editor) {}

  void on_signal(int signo) {
    std::lock_guard lock(m_mutex);
    if (signo != SIGINT) {  // SIGTERM: the host is interrupted already; stop reading and end
      m_end_status = 128 + signo;
      m_editor.interrupt();
      return;
    }
    if (m_running.empty()) {
      m_editor.interrupt();
      return;
    }
    if (++m_interrupts == 1) {
      // py: KeyboardInterrupt in the code, as in python3, and Python goes on; JS (also when meta
      // calls it): the calls in progress stop and JS stays usable. An sh command got the SIGINT
      // from the terminal itself, as the process group's.
      if (m_running == "py") {
        m_host.get("py").interrupt();
      } else {
        m_host.cancel_calls();
      }
      return;
    }
    m_end_status = 128 + SIGINT;
    m_host.interrupt();
  }

  void running(const std::string& language) {
    std::lock_guard lock(m_mutex);
    m_running = language;
    m_interrupts = 0;
  }

  /// The status to end the session with, when a signal asked for its end.
  std::optional<int> end_status() {
    std::lock_guard lock(m_mutex);
    return m_end_status;
  }

 private:
  host& m_host;
  line_editor& m_editor;
  std::mutex m_mutex;
  std::string m_running;  // the language of the code running, empty while reading
  int m_interrupts = 0;
  std::optional<int> m_end_status;
};

/// Undoes redirect_sigint when the session ends, however it ends.
struct sigint_redirect {
  explicit sigint_redirect(interrupt_policy& policy) {
    redirect_sigint([&policy](int signo) { policy.on_signal(signo); });
  }
  ~sigint_redirect() { redirect_sigint({}); }
  sigint_redirect(const sigint_redirect&) = delete;
  sigint_redirect& operator=(const sigint_redirect&) = delete;
};

}  // namespace

int run_terminal_repl(host& h) {
  line_editor editor(repl_history_file());
  interrupt_policy policy(h, editor);
  sigint_redirect redirect(policy);
  repl_evaluator evaluator(h);
  std::cout << "promethean " << PROMETHEAN_VERSION_STRING
            << " REPL: meta, :py, :js, :sh switch language; :help; Ctrl-D exits\n";

  std::string language = "meta";  // as `promethean repl` has always read
  std::string input_language;      // the language of the input being read (:py CODE: py)
  std::vector<std::string> pending;
  int line = 0;        // lines read so far
  int first_line = 1;  // the line the pending input starts on
  while (true) {
    const auto read = editor.read(pending.empty() ? repl_prompt(language) : repl_continuation_prompt(input_language));
    if (auto status = policy.end_status()) return *status;
    if (read.kind == line_editor::outcome::end) {
      std::cout << "\n";
      return 0;
    }
    if (read.kind == line_editor::outcome::interrupted) {
      std::cout << "^C\n";
      pending.clear();
      continue;
    }
    ++line;
    if (!blank(read.text)) editor.remember(read.text);
    std::string text = read.text;
    if (pending.empty()) {
      const repl_line parsed = parse_repl_line(text);
      if (parsed.what == repl_line::kind::help) {
        std::cout << repl_help();
        continue;
      }
      if (parsed.what == repl_line::kind::switch_language) {
        language = parsed.language;
        continue;
      }
      input_language = parsed.what == repl_line::kind::once ? parsed.language : language;
      text = parsed.code;
      // meta's errors give a column: the one on the line as typed (blanks count nowhere else)
      if (input_language == "meta") text.insert(0, parsed.code_column, ' ');
      if (blank(text)) continue;
      first_line = line;
    }
    pending.push_back(text);
    const std::string source = joined(pending);
    bool more = false;
    try {
      more = input_incomplete(h, input_language, source);
    } catch (const exit_error& e) {
      return e.status();
    } catch (const error& e) {
      // The runtime would not start, or a Ctrl-C meant for the code before came late: the input
      // is dropped, as Ctrl-C would drop it.
      const std::string text_of_error = e.describe();
      std::cerr << text_of_error << (text_of_error.empty() || text_of_error.back() != '\n' ? "\n" : "");
      pending.clear();
      continue;
    }
    if (more) continue;
    pending.clear();
    policy.running(input_language);
    try {
      evaluator.evaluate_and_show(input_language, source, first_line, std::cout, std::cerr);
    } catch (const exit_error& e) {
      policy.running({});
      return e.status();
    }
    policy.running({});
    if (auto status = policy.end_status()) return *status;
  }
}

}  // namespace promethean::cli
