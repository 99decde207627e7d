// The exception family and its JSON envelope.
#include <promethean/error.hpp>
#include <promethean/type_tag.hpp>

#include <cstdio>
#include <utility>

namespace promethean {
namespace {
std::string location_prefix(const std::optional<source_location>& loc) {
  if (!loc || (loc->file.empty() && loc->line == 0)) return {};
  std::string s = loc->file.empty() ? "<input>" : loc->file;
  if (loc->line > 0) s += ":" + std::to_string(loc->line);
  if (loc->column > 0) s += ":" + std::to_string(loc->column);
  return s + ": ";
}

std::string one_line(const std::string& runtime, const std::string& type, const std::string& message,
                     const std::optional<source_location>& loc) {
  return location_prefix(loc) + runtime + " " + type + ": " + message;
}
}  // namespace

error_origin::~error_origin() = default;

error::error(std::string runtime, std::string type, std::string message, std::string trace,
             std::optional<source_location> location)
    : std::runtime_error(one_line(runtime, type, message, location)),
      m_runtime(std::move(runtime)),
      m_type(std::move(type)),
      m_message(std::move(message)),
      m_trace(std::move(trace)),
      m_location(std::move(location)) {}

nlohmann::json error::to_json() const {
  nlohmann::json j = {{"_type", "Error"},  {"runtime", m_runtime}, {"type", m_type},
                      {"message", m_message}, {"trace", m_trace}};
  if (m_location) {
    j["file"] = m_location->file;
    j["line"] = m_location->line;
    j["column"] = m_location->column;
  }
  return j;
}

bool error::is_envelope(const nlohmann::json& j) noexcept {
  return has_type_tag(j, "Error");
}

error error::from_json(const nlohmann::json& j) {
  if (!is_envelope(j)) throw message_error("not an error envelope: " + j.dump());
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::optional<source_location> loc;
  if (j.contains("line") && j["line"].is_number_integer()) {
    loc = source_location{text("file"), j["line"].get<int>(),
                          j.contains("column") && j["column"].is_number_integer() ? j["column"].get<int>() : 0};
  }
  return error(text("runtime"), text("type"), text("message"), text("trace"), loc);
}

std::string error::describe() const {
  std::string s = what();
  if (!m_trace.empty()) {
    s += "\n";
    s += m_trace;
    if (s.back() != '\n') s += "\n";
  }
  return s;
}

usage_error::usage_error(std::string message, std::string runtime)
    : error(std::move(runtime), "UsageError", std::move(message)) {}

buffer_error::buffer_error(std::string message, std::string type)
    : error("host", std::move(type), std::move(message)) {}

message_error::message_error(std::string message)
    : error("host", "MessageError", std::move(message)) {}

shell_error::shell_error(std::string type, std::string message, std::string trace)
    : error("sh", std::move(type), std::move(message), std::move(trace)) {}

python_error::python_error(std::string type, std::string message, std::string trace)
    : error("py", std::move(type), std::move(message), std::move(trace)) {}

js_error::js_error(std::string type, std::string message, std::string trace)
    : error("js", std::move(type), std::move(message), std::move(trace)) {}

plugin_error::plugin_error(std::string type, std::string message, std::string trace)
    : error("rust", std::move(type), std::move(message), std::move(trace)) {}

script_error::script_error(std::string type, std::string message, source_location location,
                           std::string trace)
    : error("meta", std::move(type), std::move(message), std::move(trace), std::move(location)) {}

namespace {
std::string seconds_text(std::chrono::milliseconds limit) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(limit.count()) / 1000.0);
  return text;
}
}  // namespace

timeout_error::timeout_error(std::string runtime, const std::string& what, std::chrono::milliseconds limit,
                             std::string trace)
    : error(runtime, "Timeout",
            runtime + " " + what + " did not finish within its timeout of " + seconds_text(limit) + " and was stopped",
            std::move(trace)),
      m_limit(limit) {}

exit_error::exit_error(std::string runtime, int status)
    : error(std::move(runtime), "SystemExit", "exit status " + std::to_string(status)), m_status(status) {}

}  // namespace promethean
