// The `promethean` command: runs scripts, evaluates code in a runtime, prints the dispatch map.
// The command line is parsed by CLI11; the help text and the usage errors are ours, so that they
// read the same for every command.
#include <promethean/config.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "bench_command.hpp"
#include "inspect_option.hpp"
#include "repl.hpp"
#include "run_deadline.hpp"
#include "serve_command.hpp"
#include "signals.hpp"
#include "terminal_repl.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>
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
      --js-heap-limit MB        limit JS's heap to MB MiB (default: Node's); a JS call
                                that allocates past it fails with OutOfMemory
      --isolate RUNTIME         run RUNTIME (py, js, rust, sh) in a worker process of its
                                own: a crash there is a RuntimeCrashed error, not an exit
                                (repeatable; py@1, js@web... are always in their own)
      --inspect[=[HOST:]PORT]   open Node's inspector for the JS (as node does; default
                                127.0.0.1:9229): Chrome DevTools and VS Code attach
      --inspect-brk[=[HOST:]PORT]
                                the same, and JS waits for the debugger when it starts
                                (a .js script pauses on its first statement)
  eval [OPTIONS] RUNTIME CODE   evaluate CODE in RUNTIME and print the result as JSON
      --meta                    print the MetaObject {"_type", "source", "data"}
      --timeout SECONDS         stop the evaluation after SECONDS
      --js-heap-limit MB        limit JS's heap to MB MiB, as for run
      --isolate RUNTIME         run RUNTIME in a worker process of its own, as for run
  repl                          on a terminal: a REPL with line editing and history
                                in meta, :py, :js or :sh (:help lists its commands);
                                with a pipe: meta forms from stdin, each result
                                printed (exit 1 if a form failed)
  serve [OPTIONS] [FILE...]     serve the router over WebSocket (docs/SERVE.md): loads
                                the files, prints ws://127.0.0.1:PORT/?token=… and
                                serves until Ctrl-C; serve --help lists its options
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
error; n for Python's sys.exit(n); 2 for a usage error (unknown command, runtime
or option).
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

/// What a parsed command line asks for; the strings are what the user typed.
struct command_line {
  bool help = false;
  bool version = false;
  std::string timeout;              // eval / run: --timeout SECONDS ("" when not given)
  std::string js_heap_limit;        // eval / run: --js-heap-limit MB ("" when not given)
  std::string inspect;              // run: --inspect[=ADDRESS] ("" when not given)
  std::string inspect_brk;          // run: --inspect-brk[=ADDRESS] ("" when not given)
  std::vector<std::string> isolate; // eval / run: --isolate RUNTIME, repeatable
  bool as_meta = false;             // eval --meta
  std::vector<std::string> words;   // eval: RUNTIME CODE; run: FILE ARGS…; bench: its arguments
};

/// `--timeout` as call options (nullopt when not given).
std::optional<std::chrono::milliseconds> timeout_option(const command_line& c) {
  if (c.timeout.empty()) return std::nullopt;
  return timeout_of(c.timeout);
}

/// The host's options from the command line: `--js-heap-limit MB`, a whole number of MiB, and
/// `--inspect` / `--inspect-brk` (inspect_option.hpp).
promethean::host_options host_options_of(const command_line& c) {
  promethean::host_options options;
  options.isolate = c.isolate;
  try {
    options.js_inspector = promethean::cli::inspector_options_of(c.inspect, c.inspect_brk);
  } catch (const std::invalid_argument& e) {
    throw usage_failure{e.what()};
  }
  if (c.js_heap_limit.empty()) return options;
  const std::string& text = c.js_heap_limit;
  std::size_t megabytes = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), megabytes);
  constexpr std::size_t k_max_megabytes = std::size_t{1} << 22;  // 4 TiB: more than V8 can address
  if (ec != std::errc() || end != text.data() + text.size() || megabytes == 0 || megabytes > k_max_megabytes) {
    throw usage_failure{"--js-heap-limit needs a whole number of MiB from 1 to " + std::to_string(k_max_megabytes) +
                        ", got '" + text + "'"};
  }
  options.js_heap_limit_mb = megabytes;
  return options;
}

int cmd_eval(const command_line& c) {
  if (c.words.size() != 2) throw usage_failure{"eval takes a RUNTIME and CODE, e.g. promethean eval sh 'echo hi'"};
  promethean::call_options options;
  options.timeout = timeout_option(c);
  promethean::host h(host_options_of(c));
  interruptible signals(h);
  auto result = h.eval(c.words[0], c.words[1], options);
  std::cout << (c.as_meta ? result.to_json() : result.data.value()).dump() << "\n";
  return 0;
}

int cmd_runtimes() {
  promethean::host h;
  std::cout << h.dispatch_map().dump(2) << "\n";
  return 0;
}

int cmd_repl() {
  promethean::host h;
  interruptible signals(h);
  if (::isatty(STDIN_FILENO) == 1) return status_after(promethean::cli::run_terminal_repl(h));
  return status_after(promethean::cli::run_repl(h, std::cin, std::cout, std::cerr, false));
}

int cmd_run(const command_line& c) {
  std::optional<promethean::cli::run_deadline> deadline;  // outlives the host: covers its shutdown
  const auto limit = timeout_option(c);
  if (c.words.empty()) throw usage_failure{"run needs a script: promethean run [--timeout SECONDS] FILE [ARGS...]"};
  const std::string& file = c.words[0];
  promethean::host h(host_options_of(c));
  interruptible signals(h);
  if (limit) deadline.emplace(*limit, c.timeout, file);
  std::cout.flush();
  int status = 0;
  try {
    status = h.run_script(file, std::vector<std::string>(c.words.begin() + 1, c.words.end()));
  } catch (const promethean::error& e) {
    if (deadline && deadline->report_if_timed_out()) return promethean::cli::run_deadline::k_status;
    throw;
  }
  std::cout.flush();
  if (deadline && deadline->report_if_timed_out()) return promethean::cli::run_deadline::k_status;
  return status_after(status);
}

/// `promethean [FLAGS] -c CODE [ARGS…]` and `-m MODULE [ARGS…]`: Python's own command line, for
/// multiprocessing's children and resource tracker; the py runtime reads it as python3 would.
int cmd_python(const std::vector<std::string>& args) {
  promethean::host h;
  interruptible signals(h);
  // As for python3, SIGTERM ends the process at once: multiprocessing's Pool.terminate() stops its
  // workers (these are they) with it, and they may be blocked in a read that no interrupt ends.
  ::signal(SIGTERM, SIG_DFL);
  return status_after(h.get("py").run_command_line(args));
}

/// Whether the command line is python3's (a flag python3 takes, or -c / -m): the py runtime's.
bool is_python_command(const std::string& first) {
  static const std::set<std::string, std::less<>> starts{"-c", "-m", "-B", "-b", "-bb", "-d", "-E", "-I", "-O",
                                                         "-OO", "-q", "-s", "-S", "-u", "-v", "-W", "-X"};
  return starts.count(first) != 0;
}

/// The first word a command did not take, as a usage error: an option it does not know, or (for
/// the commands that take no words) an argument too many.
void refuse_leftovers(const CLI::App& app, const std::string& what_it_takes) {
  const auto left = app.remaining();
  if (left.empty()) return;
  const std::string& first = left.front();
  if (first.size() > 1 && first[0] == '-') throw usage_failure{app.get_name() + ": unknown option '" + first + "'"};
  throw usage_failure{app.get_name() + " " + what_it_takes};
}

/// Parses `args` (argv without the program) into `out`; returns the command's name ("" for none).
std::string parse(const std::vector<std::string>& args, command_line& out) {
  CLI::App app{"promethean", "promethean"};
  app.set_help_flag();  // -h/--help print our own usage text (k_usage), as before
  app.add_flag("-h,--help", out.help);
  app.add_flag("-V,--version", out.version);
  app.allow_extras();

  auto* eval = app.add_subcommand("eval");
  eval->add_flag("--meta", out.as_meta);
  eval->add_option("--timeout", out.timeout);
  eval->add_option("--js-heap-limit", out.js_heap_limit);
  eval->add_option("--isolate", out.isolate)->allow_extra_args(false);
  eval->add_option("words", out.words);
  eval->allow_extras();

  // run and bench hand everything after their own options to the script or to promethean_bench.
  auto* run = app.add_subcommand("run");
  run->add_option("--timeout", out.timeout);
  run->add_option("--js-heap-limit", out.js_heap_limit);
  run->add_option("--isolate", out.isolate)->allow_extra_args(false);
  // Flags, as node's: `--inspect` alone or `--inspect=ADDRESS`, never taking the next word.
  const std::string inspector_default = std::string("{") + promethean::cli::k_default_inspector_address + "}";
  run->add_flag("--inspect" + inspector_default, out.inspect);
  run->add_flag("--inspect-brk" + inspector_default, out.inspect_brk);
  run->prefix_command();
  auto* bench = app.add_subcommand("bench");
  bench->prefix_command();
  auto* serve = app.add_subcommand("serve");
  serve->prefix_command();

  auto* repl = app.add_subcommand("repl");
  repl->allow_extras();
  auto* runtimes = app.add_subcommand("runtimes");
  runtimes->allow_extras();
  auto* help = app.add_subcommand("help");
  help->allow_extras();

  // CLI11 reads argv back to front.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // "--timeout: 1 required TEXT missing": the option is the part before the colon.
    const std::string what = e.what();
    throw usage_failure{what.substr(0, what.find(':')) + " needs a value"};
  } catch (const CLI::ParseError& e) {
    throw usage_failure{e.what()};
  }

  if (eval->parsed()) {
    refuse_leftovers(*eval, "takes a RUNTIME and CODE, e.g. promethean eval sh 'echo hi'");
    return "eval";
  }
  if (serve->parsed()) {
    out.words = serve->remaining();
    return "serve";
  }
  if (run->parsed() || bench->parsed()) {
    CLI::App& sub = run->parsed() ? *run : *bench;
    out.words = sub.remaining();
    // An unknown option before the script is an error; after it, it is the script's.
    if (run->parsed() && !out.words.empty() && out.words[0].size() > 1 && out.words[0][0] == '-') {
      throw usage_failure{"run: unknown option '" + out.words[0] + "'"};
    }
    return sub.get_name();
  }
  if (help->parsed()) {
    out.help = true;
    return "help";
  }
  if (repl->parsed()) {
    refuse_leftovers(*repl, "takes no arguments (it reads forms from stdin)");
    return "repl";
  }
  if (runtimes->parsed()) {
    refuse_leftovers(*runtimes, "takes no arguments");
    return "runtimes";
  }
  const auto left = app.remaining();
  if (!left.empty()) {
    const std::string& first = left.front();
    if (first.size() > 1 && first[0] == '-') throw usage_failure{"unknown option '" + first + "'"};
    throw usage_failure{"unknown command '" + first + "'"};
  }
  return "";
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
    // python3's own command line goes to the py runtime whole: its flags are not ours.
    if (is_python_command(args[0])) return cmd_python(args);
    command_line c;
    const std::string command = parse(args, c);
    if (c.help) {
      std::cout << k_usage;
      return 0;
    }
    if (c.version) {
      std::cout << "promethean " << PROMETHEAN_VERSION_STRING << "\n";
      return 0;
    }
    if (command == "eval") return cmd_eval(c);
    if (command == "runtimes") return cmd_runtimes();
    if (command == "run") return cmd_run(c);
    if (command == "repl") return cmd_repl();
    if (command == "bench") return promethean::cli::run_bench(c.words);
    if (command == "serve") return promethean::cli::run_serve(c.words);
    std::cerr << k_usage;
    return 2;
  } catch (const usage_failure& u) {
    return fail_usage(u.message);
  } catch (const promethean::exit_error& e) {
    return status_after(e.status());  // sys.exit(n) in `eval py`, as `python3 -c` has it
  } catch (const promethean::error& e) {
    return status_after(report(e));
  } catch (const std::exception& e) {
    std::cerr << "promethean: internal error: " << e.what() << "\n";
    return 1;
  }
}
