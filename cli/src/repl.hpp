// `promethean repl`: meta-language forms read from a stream, evaluated one by one in one Host.
#pragma once

#include <promethean/host/host.hpp>

#include <istream>
#include <ostream>

namespace promethean::cli {

/// Reads forms from `in` until end of input, evaluating each complete one in the meta runtime of
/// `h` and printing its value (nothing for null) to `out`. A form may span lines: input is read on
/// while a list, array or string is open. An error is printed to `err` and the loop goes on.
/// `interactive` shows prompts. Returns 0, or 1 when a form failed in a non-interactive session (a
/// pipe), so that `promethean repl < script.sib` fails like `promethean run` would.
int run_repl(host& h, std::istream& in, std::ostream& out, std::ostream& err, bool interactive);

}  // namespace promethean::cli
