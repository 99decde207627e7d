// python3's command line, as far as a stand-in for it needs: the flags, then -c CODE or -m MODULE.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace promethean::python {

/// Runs what `python3 ARGV…` would run, for `promethean [FLAGS] -c CODE [ARGS…]` and `-m MODULE
/// [ARGS…]`: the flags multiprocessing passes on (subprocess._args_from_interpreter_flags(): -B, -O,
/// -W…, -X…) are accepted and left to the environment the interpreter already has (where they
/// came from in the parent); `run(kind, text, args)` runs the code. Anything else is a usage_error.
int run_python_command_line(const std::vector<std::string>& argv,
                            const std::function<int(std::string_view kind, const std::string& text,
                                                    const std::vector<std::string>& args)>& run);

/// Whether `first` starts a python3 command line (-c, -m, or one of the flags before them).
bool starts_python_command_line(std::string_view first);

}  // namespace promethean::python
