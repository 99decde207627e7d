// What the CLI's black-box tests share: spawn the built `promethean`, capture its streams and status.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace promethean::cli_test {
struct run_result {
  int status = -1;
  std::string out, err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The result of a shell command that wrote its streams to `out` and `err` (removed here).
inline run_result finished_run(int raw_status, const std::filesystem::path& out, const std::filesystem::path& err) {
  run_result r;
  r.status = WIFEXITED(raw_status) ? WEXITSTATUS(raw_status) : 128 + WTERMSIG(raw_status);
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

/// Runs the CLI with `args`, stdin from `input` (a pipe-like file; empty: /dev/null), capturing
/// both streams into files; `env` is prepended as VAR=value words.
inline run_result run(const std::vector<std::string>& args, const std::string& env = "", const std::string& input = "") {
  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(::getpid());
  const auto out = dir / ("promethean_cli_out_" + tag), err = dir / ("promethean_cli_err_" + tag);
  const auto in = dir / ("promethean_cli_in_" + tag);
  std::string cmd = env + " " + quote(PROMETHEAN_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  std::string stdin_from = "/dev/null";
  if (!input.empty()) {
    std::ofstream(in) << input;
    stdin_from = in.string();
  }
  cmd += " <" + quote(stdin_from) + " >" + quote(out.string()) + " 2>" + quote(err.string());
  auto r = finished_run(std::system(cmd.c_str()), out, err);
  std::filesystem::remove(in);
  return r;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// run(), bounded: a test whose command hangs is killed after `seconds` (status 137), never stalls
/// the suite. Returns the result and the wall time it took.
inline std::pair<run_result, double> bounded_run(const std::vector<std::string>& args, int seconds = 60) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run(args, "timeout -s KILL " + std::to_string(seconds));
  return {r, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

inline std::string data_file(const std::string& relative) {
  return std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/" + relative;
}

}  // namespace promethean::cli_test
