/// Where the host looks for files it loads by name (runtime modules, plugins): the directories of
/// a ':'-separated environment variable, then places relative to libpromethean itself.
#pragma once

#include <promethean/config.hpp>

#include <filesystem>
#include <vector>

namespace promethean {

/// The directories named in the environment variable `variable` (':'-separated, empty entries
/// skipped), in order; none when it is unset.
PROMETHEAN_API std::vector<std::filesystem::path> directories_from_env(const char* variable);

/// The directory of libpromethean (or of the executable the core is linked into): where modules,
/// plugins and the `promethean` command are looked for.
PROMETHEAN_API std::filesystem::path core_library_directory();

/// Where files of one kind ("runtimes", "plugins") are looked for, first match wins: the
/// directories of `variable`, then `<libdir>/promethean/<kind>` (installed), then
/// `<libdir>/<kind>` (the build tree, where `promethean/` is the CLI).
PROMETHEAN_API std::vector<std::filesystem::path> search_directories(const char* variable, const char* kind);

}  // namespace promethean
