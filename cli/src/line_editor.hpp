// The terminal REPL's line editor: Debian's libedit (emacs keys, arrows, history search), with its
// history kept in a file and a read that Ctrl-C can end from another thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace promethean::cli {

/// Where the REPL keeps its history: $PROMETHEAN_HISTORY when set (set and empty: no file), else
/// ~/.promethean_history ($HOME; no file when there is no home).
std::filesystem::path repl_history_file();

/// One libedit session on stdin/stdout, which must be a terminal. Not thread-safe, except
/// interrupt(), which any thread may call.
class line_editor {
 public:
  enum class outcome { line, interrupted, end };
  struct result {
    outcome kind = outcome::end;
    std::string text;  // the line, without its newline (outcome::line)
  };

  /// Loads the history from `history_file` (empty: none; a missing file is an empty history).
  explicit line_editor(std::filesystem::path history_file);
  ~line_editor();
  line_editor(const line_editor&) = delete;
  line_editor& operator=(const line_editor&) = delete;

  /// Reads one line after showing `prompt`: the line; `interrupted` when interrupt() was called
  /// meanwhile (Ctrl-C: the line typed so far is dropped); `end` at Ctrl-D on an empty line or the
  /// end of input.
  result read(const std::string& prompt);

  /// Adds `line` to the history and writes the history file (each line as it is entered, so that
  /// a session that is killed keeps what it typed). A file that cannot be written is reported
  /// once, on stderr, and the session goes on.
  void remember(const std::string& line);

  /// From any thread: ends the read in progress, or the next one, with `interrupted`.
  void interrupt() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> m_impl;
};

}  // namespace promethean::cli
