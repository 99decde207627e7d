// The `promethean` command: runs scripts, evaluates code in a runtime, prints the dispatch map.
#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/python/python_runtime.hpp>

#include "bench_command.hpp"
#include "repl.hpp"
#include "run_deadline.hpp"
#include "signals.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <unistd.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr const char* k_usage = R"(Usage: promethean <command> [arguments]

Commands:
  run [OPTIONS] FILE [ARGS...]  run a script; the runtime is chosen by its extension
                                (.sib meta, .py Python, .js/.mjs Node, .sh shell);
                                the exit status is the script's
      --timeout SECONDS         stop the script after SECONDS (as Ctrl-C would) and
                                exit 124 with "promethean: FILE timed out after N s"
  eval [OPTIONS] RUNTIME CODE   evaluate CODE in RUNTIME and print the result as JSON
      --meta                    print the MetaObject {"_type", "source", "data"}
      --timeout SECONDS         stop the evaluation after SECONDS
  repl                          read meta-language forms from stdin, print each
                                result; works with a pipe (exit 1 if a form failed)
  runtimes                      print the dispatch map: every runtime with its
                                version, eval and marshal entries and capabilities
  bench [--quick] [--json] [--plot FILE.svg]
                                measure call overhead, zero-copy buffer handoff
                                (against a copy and JSON) and startup; see bench --help
  -c CODE [ARGS...]             run Python CODE as `python3 -c` does (in a host:
                                `import promethean` works); multiprocessing's
                                'spawn' children are started this way
  -m MODULE [ARGS...]           run a Python module as `python3 -m` does

Options:
  -h, --help                    show this help
  -V, --version                 show the version

Exit status: the script's for `run`; 0 on success; 1 when the code raised an
error; 2 for a usage error (unknown command, runtime or option).
)";

/// While it lives, SIGINT and SIGTERM interrupt this host's runtimes (signals.hpp).
class interruptible {
 public:
  explicit interruptible(promethean::host& h) { promethean::cli::install_signal_policy(h); }
  ~interruptible() { promethean::cli::clear_signal_host(); }
  interruptible(const interruptible&) = delete;
  interruptible& operator=(const interruptible&) = delete;
};

/// The exit status after an interrupt: 128 + the signal, as a shell reports a process it ended.
int status_after(int status) {
  const int signo = promethean::cli::interrupting_signal();
  return signo != 0 ? 128 + signo : status;
}

struct usage_failure {
  std::string message;
};

int fail_usage(const std::string& message) {
  std::cerr << "promethean: " << message << "\n(run 'promethean --help' for usage)\n";
  return 2;
}

int report(const promethean::error& e) {
  std::cerr << "promethean: " << e.describe();
  if (e.describe().empty() || e.describe().back() != '\n') std::cerr << "\n";
  return dynamic_cast<const promethean::usage_error*>(&e) != nullptr ? 2 : 1;
}

/// `--timeout SECONDS` as milliseconds (at least 1).
std::chrono::milliseconds timeout_of(std::string_view text);

double parse_seconds(std::string_view text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds <= 0) {
    throw usage_failure{"--timeout needs a positive number of seconds, got '" + std::string(text) + "'"};
  }
  return seconds;
}

std::chrono::milliseconds timeout_of(std::string_view text) {
  const double seconds = parse_seconds(text);
  if (seconds > 1e9) throw usage_failure{"--timeout is too long: '" + std::string(text) + "'"};
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000))));
}

int cmd_eval(const std::vector<std::string>& args) {
  bool as_meta = false;
  promethean::call_options options;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (positional.empty() && a == "--meta") {
      as_meta = true;
    } else if (positional.empty() && a == "--timeout") {
      if (i + 1 >= args.size()) throw usage_failure{"--timeout needs a value"};
      options.timeout = timeout_of(args[++i]);
    } else if (positional.empty() && a.size() > 1 && a[0] == '-') {
      throw usage_failure{"eval: unknown option '" + a + "'"};
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) throw usage_failure{"eval takes a RUNTIME and CODE, e.g. promethean eval sh 'echo hi'"};
  promethean::host h;
  interruptible signals(h);
  auto result = h.eval(positional[0], positional[1], options);
  std::cout << (as_meta ? result.to_json() : result.data.value()).dump() << "\n";
  return 0;
}

int cmd_runtimes(const std::vector<std::string>& args) {
  if (!args.empty()) throw usage_failure{"runtimes takes no arguments"};
  promethean::host h;
  std::cout << h.dispatch_map().dump(2) << "\n";
  return 0;
}

int cmd_repl(const std::vector<std::string>& args) {
  if (!args.empty()) throw usage_failure{"repl takes no arguments (it reads forms from stdin)"};
  promethean::host h;
  interruptible signals(h);
  return status_after(promethean::cli::run_repl(h, std::cin, std::cout, std::cerr, ::isatty(STDIN_FILENO) == 1));
}

int cmd_run(const std::vector<std::string>& args) {
  std::size_t first = 0;
  std::optional<promethean::cli::run_deadline> deadline;  // outlives the host: covers its shutdown
  std::optional<std::chrono::milliseconds> limit;
  std::string limit_text;
  if (!args.empty() && args[0] == "--timeout") {
    if (args.size() < 2) throw usage_failure{"--timeout needs a value"};
    limit = timeout_of(args[1]);
    limit_text = args[1];
    first = 2;
  } else if (!args.empty() && args[0].size() > 1 && args[0][0] == '-') {
    throw usage_failure{"run: unknown option '" + args[0] + "'"};
  }
  if (args.size() <= first) throw usage_failure{"run needs a script: promethean run [--timeout SECONDS] FILE [ARGS...]"};
  const std::string& file = args[first];
  promethean::host h;
  interruptible signals(h);
  if (limit) deadline.emplace(*limit, limit_text, file);
  std::cout.flush();
  int status = 0;
  try {
    status = h.run_script(file, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(first) + 1, args.end()));
  } catch (const promethean::error& e) {
    if (deadline && deadline->report_if_timed_out()) return promethean::cli::run_deadline::k_status;
    throw;
  }
  std::cout.flush();
  if (deadline && deadline->report_if_timed_out()) return promethean::cli::run_deadline::k_status;
  return status_after(status);
}

/// `promethean [FLAGS] -c CODE [ARGS…]` and `-m MODULE [ARGS…]`: Python's own command line, for
/// multiprocessing's children and resource tracker. The flags multiprocessing passes on
/// (subprocess._args_from_interpreter_flags(): -B, -O, -W…, -X…) are accepted; the embedded
/// interpreter keeps its own configuration (the environment, PYTHON* variables included, is
/// inherited, which is where those flags came from in the parent).
int cmd_python(const std::vector<std::string>& args) {
  static const std::set<std::string, std::less<>> no_value{"-B", "-b", "-bb", "-d", "-E", "-I", "-O", "-OO",
                                                           "-q", "-s", "-S", "-u", "-v"};
  std::size_t i = 0;
  while (i < args.size() && (no_value.count(args[i]) || args[i] == "-W" || args[i] == "-X")) {
    i += (args[i] == "-W" || args[i] == "-X") ? 2 : 1;
  }
  if (i >= args.size() || (args[i] != "-c" && args[i] != "-m")) {
    throw usage_failure{"expected -c CODE or -m MODULE after Python's flags"};
  }
  if (i + 1 >= args.size()) throw usage_failure{args[i] + " needs an argument"};
  const std::string kind = args[i];
  const std::string text = args[i + 1];
  promethean::host h;
  interruptible signals(h);
  // As for python3, SIGTERM ends the process at once: multiprocessing's Pool.terminate() stops its
  // workers (these are they) with it, and they may be blocked in a read that no interrupt ends.
  ::signal(SIGTERM, SIG_DFL);
  return status_after(promethean::run_python_command(
      h.get("py"), kind, text, std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i) + 2, args.end())));
}

bool is_python_command(const std::string& first) {
  return first == "-c" || first == "-m" || first == "-B" || first == "-b" || first == "-bb" || first == "-d" ||
         first == "-E" || first == "-I" || first == "-O" || first == "-OO" || first == "-q" || first == "-s" ||
         first == "-S" || first == "-u" || first == "-v" || first == "-W" || first == "-X";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Scripts (a shell script above all) find the binary that runs them in $PROMETHEAN, and so
  // does the py runtime, for multiprocessing's children.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) ::setenv("PROMETHEAN", self.c_str(), 1);
  try {
    if (args.empty()) {
      std::cerr << k_usage;
      return 2;
    }
    const std::string command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << k_usage;
      return 0;
    }
    if (command == "-V" || command == "--version") {
      std::cout << "promethean " << PROMETHEAN_VERSION_STRING << "\n";
      return 0;
    }
    if (command == "eval") return cmd_eval(rest);
    if (command == "runtimes") return cmd_runtimes(rest);
    if (command == "run") return cmd_run(rest);
    if (command == "repl") return cmd_repl(rest);
    if (command == "bench") return promethean::cli::run_bench(rest);
    if (is_python_command(command)) return cmd_python(args);
    if (!command.empty() && command[0] == '-') return fail_usage("unknown option '" + command + "'");
    return fail_usage("unknown command '" + command + "'");
  } catch (const usage_failure& u) {
    return fail_usage(u.message);
  } catch (const promethean::error& e) {
    return status_after(report(e));
  } catch (const std::exception& e) {
    std::cerr << "promethean: internal error: " << e.what() << "\n";
    return 1;
  }
}
