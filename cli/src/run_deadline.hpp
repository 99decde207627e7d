// `promethean run --timeout SECONDS FILE`: when the time is up, whatever runtime runs is
// interrupted as by Ctrl-C (Python gets KeyboardInterrupt in its main thread, JS is terminated and
// its event loop ends), and the command exits 124 (as coreutils' timeout) with
// "promethean: FILE timed out after SECONDS s". Code that does not stop (a long C call, a handler
// that swallows the interrupt, a shutdown that hangs) is ended by a backstop a grace period
// later, with the same message and status: a run with a timeout never outlives it by much.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace promethean::cli {

class run_deadline {
 public:
  /// Arms for `seconds` (the text as the user wrote it goes into the message).
  run_deadline(std::chrono::milliseconds limit, std::string seconds_text, std::string file);
  ~run_deadline();
  run_deadline(const run_deadline&) = delete;
  run_deadline& operator=(const run_deadline&) = delete;

  /// After the run: true when the time ran out (the message has then been printed once).
  bool report_if_timed_out();

  static constexpr std::chrono::seconds k_grace{2};
  static constexpr int k_status = 124;

 private:
  static void on_deadline(void* self);
  static void on_backstop(void* self);
  void print_once();
  std::string m_message;
  std::uint64_t m_ticket = 0;
  std::uint64_t m_backstop = 0;
};

}  // namespace promethean::cli
