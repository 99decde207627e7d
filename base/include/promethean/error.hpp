/// The one exception family of Promethean, and its JSON error envelope.
///
/// It lives in the lowest component (base/) so that every layer, from buffer validation to the
/// runtimes, throws the same family. Each runtime converts its native errors into this family in
/// exactly one place; at the C ABI nothing unwinds and the envelope travels as an owned object.
#pragma once

#include <promethean/config.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace promethean {

/// Where in a script an error happened (1-based line and column; 0 means unknown).
struct source_location {
  std::string file;
  int line = 0;
  int column = 0;
};

/// The native exception an error began as (a Python exception object, a JS Error), kept by the
/// runtime that raised it. Opaque to everything else: the error carries it through other runtimes
/// (their exceptions made from the error carry it too), so that when the error comes back to the
/// runtime that raised it, that runtime raises the very object again (`except KeyError` catches
/// it, `e is original`). It lives while any of them does; its destructor is that runtime's (it
/// lets the object go under that runtime's own lock).
class PROMETHEAN_API error_origin {
 public:
  virtual ~error_origin();
  /// The runtime that raised it, and whose object it holds.
  virtual const char* runtime() const noexcept = 0;
};

/// Base of the family: which runtime raised it, the error's type name in that runtime
/// (`ZeroDivisionError`, `TypeError`, `BufferTypeError`…), the message and the runtime's trace.
/// `what()` is the full one-line description. Copyable; immutable once thrown.
class PROMETHEAN_API error : public std::runtime_error {
 public:
  error(std::string runtime, std::string type, std::string message, std::string trace = {},
        std::optional<source_location> location = std::nullopt);

  const std::string& runtime() const noexcept { return m_runtime; }
  const std::string& type() const noexcept { return m_type; }
  const std::string& message() const noexcept { return m_message; }
  const std::string& trace() const noexcept { return m_trace; }
  const std::optional<source_location>& location() const noexcept { return m_location; }
  /// The native exception it began as, or null (error_origin).
  const std::shared_ptr<const error_origin>& origin() const noexcept { return m_origin; }
  /// Before it is thrown: what it began as.
  void set_origin(std::shared_ptr<const error_origin> origin) noexcept { m_origin = std::move(origin); }

  /// The envelope: {"_type": "Error", "runtime", "type", "message", "trace"} plus "file", "line",
  /// "column" when the location is known.
  nlohmann::json to_json() const;

  /// Rebuilds an error from an envelope; throws `error` (type "MessageError") if `j` is not one.
  static error from_json(const nlohmann::json& j);

  /// True when `j` is an object tagged `"_type": "Error"`.
  static bool is_envelope(const nlohmann::json& j) noexcept;

  /// "file:line:column: runtime Type: message" then the trace, as printed to a user.
  std::string describe() const;

 private:
  std::string m_runtime;
  std::string m_type;
  std::string m_message;
  std::string m_trace;
  std::optional<source_location> m_location;
  std::shared_ptr<const error_origin> m_origin;
};

/// Misuse of the host: unknown runtime, function, option or subcommand; bad arguments.
class PROMETHEAN_API usage_error : public error {
 public:
  explicit usage_error(std::string message, std::string runtime = "host");
};

/// A buffer that does not fit: wrong dtype, shape, strides, type, bounds, read-only.
class PROMETHEAN_API buffer_error : public error {
 public:
  explicit buffer_error(std::string message, std::string type = "BufferError");
};

/// A JSON message that is malformed or names something that does not exist.
class PROMETHEAN_API message_error : public error {
 public:
  explicit message_error(std::string message);
};

/// Raised by the `sh` runtime: a failing, hanging or non-JSON-printing command.
class PROMETHEAN_API shell_error : public error {
 public:
  shell_error(std::string type, std::string message, std::string trace = {});
};

/// Raised by Python code (runtime "py").
class PROMETHEAN_API python_error : public error {
 public:
  python_error(std::string type, std::string message, std::string trace = {});
};

/// Raised by JavaScript code (runtime "js").
class PROMETHEAN_API js_error : public error {
 public:
  js_error(std::string type, std::string message, std::string trace = {});
};

/// Raised by a Rust (or C) plugin, including a caught panic (runtime "rust").
class PROMETHEAN_API plugin_error : public error {
 public:
  plugin_error(std::string type, std::string message, std::string trace = {});
};

/// Raised while reading or evaluating a meta-language script (runtime "meta").
class PROMETHEAN_API script_error : public error {
 public:
  script_error(std::string type, std::string message, source_location location,
               std::string trace = {});
};

/// Code asked the host to exit with `status()` where the exit cannot happen at once: meta's
/// `(exit n)` in a REPL or in a meta function another runtime called (type "SystemExit", message
/// "exit status n"). The REPL ends with that status; elsewhere it is an error like any other.
class PROMETHEAN_API exit_error : public error {
 public:
  exit_error(std::string runtime, int status);
  int status() const noexcept { return m_status; }

 private:
  int m_status;
};

/// A call that ran past its timeout and was stopped (runtime: the one whose call timed out;
/// type "Timeout", as the sh runtime's). `limit()` is the time the call was given.
class PROMETHEAN_API timeout_error : public error {
 public:
  /// `what` names the call for a person: "call of 'spin'", "eval of code".
  timeout_error(std::string runtime, const std::string& what, std::chrono::milliseconds limit, std::string trace = {});
  std::chrono::milliseconds limit() const noexcept { return m_limit; }

 private:
  std::chrono::milliseconds m_limit;
};

}  // namespace promethean
