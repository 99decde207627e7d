// python3's command line, as far as a stand-in for it needs: the flags, then -c CODE or -m MODULE.
#include "python_command_line.hpp"

#include <promethean/error.hpp>

#include <array>
#include <string>

namespace promethean::python {
namespace {
constexpr std::array<std::string_view, 13> k_flags_without_value{"-B", "-b", "-bb", "-d", "-E", "-I", "-O",
                                                                 "-OO", "-q", "-s", "-S", "-u", "-v"};

bool is_flag_without_value(std::string_view a) {
  for (auto f : k_flags_without_value) {
    if (a == f) return true;
  }
  return false;
}
}  // namespace

bool starts_python_command_line(std::string_view first) {
  return first == "-c" || first == "-m" || first == "-W" || first == "-X" || is_flag_without_value(first);
}

int run_python_command_line(const std::vector<std::string>& argv,
                            const std::function<int(std::string_view, const std::string&, const std::vector<std::string>&)>& run) {
  std::size_t i = 0;
  while (i < argv.size() && (is_flag_without_value(argv[i]) || argv[i] == "-W" || argv[i] == "-X")) {
    i += (argv[i] == "-W" || argv[i] == "-X") ? 2 : 1;
  }
  if (i >= argv.size() || (argv[i] != "-c" && argv[i] != "-m")) {
    throw usage_error("expected -c CODE or -m MODULE after Python's flags", "py");
  }
  if (i + 1 >= argv.size()) throw usage_error(argv[i] + " needs an argument", "py");
  return run(argv[i], argv[i + 1], std::vector<std::string>(argv.begin() + static_cast<std::ptrdiff_t>(i) + 2, argv.end()));
}

}  // namespace promethean::python
