// Fuzzes the meta language's reader (.sib source → forms): it reads or refuses with a SyntaxError
// carrying a line and column, never anything else; the REPL's helpers agree with it; and what a form
// shows (node::show, the text of error messages) reads back as the same form.
#include "fuzz_check.hpp"

#include "meta/reader.hpp"

#include <string>

namespace {
using promethean::meta::node;
using promethean::fuzz::broken;

constexpr std::size_t k_max_len = 4096;  // also the -max_len scripts/fuzz passes

/// The same form, exactly (a real stays a real: show() writes 3.0, not 3).
bool same_form(const node& a, const node& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case node::kind::null: return true;
    case node::kind::boolean: return a.boolean == b.boolean;
    case node::kind::integer: return a.integer == b.integer;
    case node::kind::real: return a.real == b.real;
    case node::kind::string:
    case node::kind::keyword:
    case node::kind::symbol: return a.text == b.text;
    case node::kind::list:
    case node::kind::array:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!same_form(a.items[i], b.items[i])) return false;
      }
      return true;
    default: return false;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source = promethean::fuzz::as_text(data, size, k_max_len);
  const std::string file = "<fuzz>";
  std::vector<node> forms;
  bool read = false;
  try {
    forms = promethean::meta::read_all(source, file);
    read = true;
  } catch (const promethean::script_error& e) {
    PM_FUZZ_CHECK(e.type() == "SyntaxError", e.describe());
    PM_FUZZ_CHECK(e.location() && e.location()->line >= 1 && e.location()->column >= 1, e.describe());
  } catch (const std::exception& e) {
    broken("the reader throws only SyntaxErrors", e.what());
  }
  // The REPL's helpers never throw, and agree with the reader on text that reads.
  const std::string why_incomplete = promethean::meta::incomplete(source);
  const std::size_t stray = promethean::meta::stray_closer(source);
  if (!read) return 0;
  PM_FUZZ_CHECK(why_incomplete.empty(), "text that reads is called incomplete: " + why_incomplete);
  PM_FUZZ_CHECK(stray == std::string_view::npos, "text that reads has a stray closer at " + std::to_string(stray));

  for (const node& form : forms) {
    const std::string shown = form.show();
    std::vector<node> again;
    try {
      again = promethean::meta::read_all(shown, file);
    } catch (const promethean::error& e) {
      broken("what a form shows reads back", "shown: " + shown + "\nerror: " + e.describe());
    }
    PM_FUZZ_CHECK(again.size() == 1 && same_form(form, again[0]), "shown: " + shown);
  }
  return 0;
}
