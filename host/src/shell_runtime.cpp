// The `sh` runtime.
#include "shell_runtime.hpp"

#include "process.hpp"

#include <promethean/error.hpp>
#include <promethean/host/json_text.hpp>
#include <promethean/host/keyword_arguments.hpp>

#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace promethean::detail {
namespace {
constexpr const char* k_shell = "/bin/sh";

bool is_identifier(std::string_view s) {
  if (s.empty() || (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_')) return false;
  }
  return true;
}

std::string quote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

/// A JSON argument as one shell word: strings as they are, everything else as JSON text.
std::string as_word(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

std::chrono::milliseconds timeout_of(const call_options& options) {
  return options.timeout.value_or(shell_runtime::k_default_timeout);
}

std::string clip(const std::string& s, std::size_t n = 200) {
  return s.size() <= n ? s : s.substr(0, n) + "…";
}

/// The limit in seconds, as timeout_error writes it for py and js ("0.5 s", "300 s").
std::string seconds_text(std::chrono::milliseconds limit) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(limit.count()) / 1000.0);
  return text;
}

void check_timeout(const process_result& r, std::string_view what, std::chrono::milliseconds limit) {
  if (r.timed_out) {
    throw shell_error("Timeout", std::string(what) + " did not finish within its timeout of " + seconds_text(limit) +
                                     " and was killed", r.err);
  }
}
}  // namespace

std::string shell_runtime::version() const {
  char resolved[PATH_MAX];
  if (::realpath(k_shell, resolved) != nullptr) return std::string(k_shell) + " -> " + resolved;
  return k_shell;
}

nlohmann::json shell_runtime::describe() const {
  return {{"name", "sh"},
          {"language", "POSIX shell"},
          {"version", version()},
          {"eval", "/bin/sh -c CODE -> {stdout, stderr, exit_code}"},
          {"call", "a sh:fn function or a PATH command, arguments as words -> stdout"},
          {"marshal", "JSON -> one single-quoted shell word"},
          {"messages", "JSON on the handler command's stdin, JSON reply on its stdout"},
          {"buffers", "handles only (JSON text); no zero-copy view in a shell"},
          {"capabilities", {"eval", "call", "define", "load", "send_json", "run"}}};
}

std::string shell_runtime::prelude() const {
  std::lock_guard lock(m_mutex);
  std::string s;
  for (const auto& src : m_loaded_sources) s += src + "\n";
  for (const auto& [name, def] : m_functions) {
    s += name + "() {\n";
    for (std::size_t i = 0; i < def.params.size(); ++i) s += def.params[i] + "=$" + std::to_string(i + 1) + "\n";
    s += def.body + "\n}\n";
  }
  return s;
}

message shell_runtime::eval(std::string_view code, const call_options& options) {
  const auto limit = timeout_of(options);
  auto r = run_captured({k_shell, "-c", prelude() + std::string(code)}, {}, limit);
  check_timeout(r, "sh command", limit);
  return nlohmann::json{{"stdout", r.out}, {"stderr", r.err}, {"exit_code", r.exit_code}};
}

message shell_runtime::call(std::string_view function, const message& args, const call_options& options) {
  if (function.empty()) throw usage_error("sh: call needs a function or command name", "sh");
  keyword_arguments::refuse(args.value(), "sh", function);  // a command line has only words
  std::vector<std::string> argv{k_shell, "-c", prelude() + "\"$@\"", "sh", std::string(function)};
  for (const auto& a : args.value()) argv.push_back(as_word(a));
  const auto limit = timeout_of(options);
  auto r = run_captured(argv, {}, limit);
  check_timeout(r, "sh function '" + std::string(function) + "'", limit);
  if (r.exit_code == 127 && r.out.empty()) {
    throw shell_error("UnknownFunction", "'" + std::string(function) +
                                             "' is neither a defined sh function nor a command on PATH", r.err);
  }
  if (r.exit_code != 0) {
    throw shell_error("CommandFailed", "'" + std::string(function) + "' exited with status " +
                                           std::to_string(r.exit_code) +
                                           (r.err.empty() ? "" : ": " + clip(r.err)), r.err);
  }
  if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return nlohmann::json(r.out);
}

void shell_runtime::define(const function_definition& definition) {
  if (!is_identifier(definition.name)) {
    throw usage_error("sh: '" + definition.name + "' is not a valid shell function name", "sh");
  }
  for (const auto& p : definition.params) {
    if (!is_identifier(p)) throw usage_error("sh: parameter '" + p + "' is not a valid shell variable name", "sh");
  }
  // Check the body parses before accepting it, so that a typo fails here and not in a later call.
  auto r = run_captured({k_shell, "-n", "-c", definition.name + "() {\n" + definition.body + "\n}"}, {},
                        std::chrono::seconds(10));
  if (r.exit_code != 0) {
    throw shell_error("SyntaxError", "sh:fn " + definition.name + ": " + clip(r.err), r.err);
  }
  std::lock_guard lock(m_mutex);
  m_functions[definition.name] = definition;
}

void shell_runtime::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw usage_error("sh: cannot read " + path.string(), "sh");
  std::stringstream text;
  text << in.rdbuf();
  auto r = run_captured({k_shell, "-n", path.string()}, {}, std::chrono::seconds(10));
  if (r.exit_code != 0) throw shell_error("SyntaxError", path.string() + ": " + clip(r.err), r.err);
  std::lock_guard lock(m_mutex);
  m_loaded_sources.push_back(text.str());
}

std::string shell_runtime::marshal(const nlohmann::json& value) const {
  return quote(as_word(value));
}

message shell_runtime::send_json(const message& payload, const call_options& options) {
  std::string handler;
  {
    std::lock_guard lock(m_mutex);
    handler = m_handler;
  }
  if (handler.empty()) {
    // Without a handler, a shell prints the message's JSON text (printf, on the host's stdout) and
    // the reply is null, as in every runtime (docs/META.md, send-json).
    std::cout << std::flush;  // what the host printed before comes first
    const int status = run_inherited({k_shell, "-c", "printf '%s\\n' \"$1\"", "sh", payload.dump()});
    if (status != 0) {
      throw shell_error("CommandFailed", "printing a JSON message exited with status " + std::to_string(status), "");
    }
    return message();
  }
  const auto limit = timeout_of(options);
  auto r = run_captured({k_shell, "-c", prelude() + handler}, payload.dump() + "\n", limit);
  check_timeout(r, "sh message handler `" + handler + "`", limit);
  if (r.exit_code != 0) {
    throw shell_error("CommandFailed", "message handler `" + handler + "` exited with status " +
                                           std::to_string(r.exit_code) + (r.err.empty() ? "" : ": " + clip(r.err)),
                      r.err);
  }
  if (r.out.find_first_not_of(" \t\r\n") == std::string::npos) return message();
  nlohmann::json reply;
  try {
    reply = parse_json_text(r.out);
  } catch (const nlohmann::json::parse_error&) {
    throw shell_error("NotJSON", "message handler `" + handler + "` printed something that is not JSON: " +
                                     clip(r.out));
  } catch (const message_error& e) {
    throw shell_error("NotJSON", "message handler `" + handler + "` printed " + e.message());
  }
  return message(std::move(reply));
}

void shell_runtime::set_message_handler(std::string_view command) {
  std::lock_guard lock(m_mutex);
  m_handler = std::string(command);
}

int shell_runtime::run_script(const std::filesystem::path& path, const std::vector<std::string>& args) {
  std::vector<std::string> argv{k_shell, path.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_inherited(argv);
}

std::unique_ptr<runtime> make_shell_runtime(host&) { return std::make_unique<shell_runtime>(); }

}  // namespace promethean::detail
