// The terminal REPL's sh session: the shell state carried from one input to the next
// (repl_shell_session.hpp).
#include "repl_shell_session.hpp"

#include <string_view>
#include <vector>

namespace promethean::cli {

namespace {

/// Separates the input's own output from the state printed after it (ASCII record separators).
constexpr std::string_view k_marker = "\x1epromethean-repl-state\x1e";

/// The shell's own variables, which a restore must not set: the shell keeps them itself.
bool own_variable(const std::string& name) {
  return name == "PPID" || name == "PWD" || name == "OLDPWD" || name == "LINENO" || name == "OPTIND" ||
         name == "_" || name.rfind("__pm_", 0) == 0;
}

/// The entries of `set` or `export -p` output: one per unquoted newline (a value in single or
/// double quotes may span lines).
std::vector<std::string> entries_of(std::string_view text) {
  std::vector<std::string> entries;
  std::string current;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == 0 && c == '\n') {
      if (!current.empty()) entries.push_back(current);
      current.clear();
      continue;
    }
    current += c;
    if (quote == 0 && c == '\\' && i + 1 < text.size()) {
      current += text[++i];
    } else if (quote == '"' && c == '\\' && i + 1 < text.size()) {
      current += text[++i];
    } else if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    }
  }
  if (!current.empty()) entries.push_back(current);
  return entries;
}

std::string name_of(std::string_view entry) {
  const auto end = entry.find('=');
  return std::string(entry.substr(0, end));
}

}  // namespace

nlohmann::json shell_session::run(host& h, const std::string& source) {
  if (!m_started) {
    run_with(h, "", ":", &m_fresh);
    m_current = m_fresh;
    m_started = true;
  }
  return run_with(h, restore_script(h), source, &m_current);
}

nlohmann::json shell_session::run_with(host& h, const std::string& restore, const std::string& source,
                                       state* after) {
  const std::string marker = h.marshal("sh", nlohmann::json(std::string(k_marker)));
  // The input runs through eval, so that nothing it leaves open (a here-document without its
  // end) reaches the lines after it; its status is kept for the shell's own exit.
  const std::string script = restore + "eval " + h.marshal("sh", nlohmann::json(source)) +
                             "\n__pm_status=$?\nprintf '%s' " + marker + "\nset\nprintf '%s' " + marker +
                             "\nexport -p\nprintf '%s' " + marker + "\npwd\nexit $__pm_status\n";
  nlohmann::json result = h.eval("sh", script).data.value();
  std::string out = result.value("stdout", "");
  const auto first = out.find(k_marker);
  if (first == std::string::npos) return result;  // the input ended the shell: the state stays
  std::vector<std::string> parts;
  for (std::size_t at = first; at != std::string::npos;) {
    const std::size_t begin = at + k_marker.size();
    const std::size_t next = out.find(k_marker, begin);
    parts.push_back(out.substr(begin, next == std::string::npos ? std::string::npos : next - begin));
    at = next;
  }
  result["stdout"] = out.substr(0, first);
  if (parts.size() != 3) return result;  // the input printed the marker itself: keep the state as it was
  state seen;
  for (const std::string& entry : entries_of(parts[0])) {
    const std::string name = name_of(entry);
    if (!own_variable(name)) seen.variables[name] = entry;
  }
  for (std::string entry : entries_of(parts[1])) {
    if (entry.rfind("export ", 0) == 0) entry.erase(0, 7);
    const std::string name = name_of(entry);
    if (!own_variable(name)) seen.exported.insert(name);
  }
  seen.directory = parts[2];
  if (!seen.directory.empty() && seen.directory.back() == '\n') seen.directory.pop_back();
  *after = std::move(seen);
  return result;
}

std::string shell_session::restore_script(host& h) const {
  std::string script;
  if (!m_current.directory.empty() && m_current.directory != m_fresh.directory) {
    script += "cd -- " + h.marshal("sh", nlohmann::json(m_current.directory)) + " 2>/dev/null\n";
  }
  for (const auto& [name, line] : m_fresh.variables) {
    if (m_current.variables.count(name) == 0) script += "unset " + name + "\n";
  }
  for (const auto& [name, line] : m_current.variables) {
    const auto fresh = m_fresh.variables.find(name);
    if (fresh == m_fresh.variables.end() || fresh->second != line) script += line + "\n";
  }
  for (const std::string& name : m_current.exported) {
    if (m_fresh.exported.count(name) == 0) script += "export " + name + "\n";
  }
  return script;
}

}  // namespace promethean::cli
