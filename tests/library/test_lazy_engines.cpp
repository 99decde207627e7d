// Engines loaded on first use: through libpromethean, a Host maps libpython only when py starts and
// libnode only when js starts. Each test is a process of its own (ctest runs them one by one).
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/runtime_module.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace {

/// Whether this build links the engines at start (the sanitizer builds: library/CMakeLists.txt
/// says why). Then "not mapped yet" cannot be seen, and the tests check that they are mapped.
constexpr bool k_engines_at_start = PROMETHEAN_ENGINES_AT_START;

/// Whether a file whose name contains `needle` is mapped into this process.
bool mapped(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST(LazyEngines, AHostAloneMapsNoEngine) {
  promethean::host h;
  EXPECT_EQ(mapped("libpython"), k_engines_at_start);
  EXPECT_EQ(mapped("libnode"), k_engines_at_start);
  EXPECT_FALSE(mapped("promethean_py.so"));
  EXPECT_FALSE(mapped("promethean_js.so"));
}

TEST(LazyEngines, MetaShAndRustMapNoEngine) {
  promethean::host h;
  EXPECT_EQ(h.eval("meta", "(+ 40 2)").data.value(), 42);
  EXPECT_EQ(h.eval("sh", "echo hi").data.value()["stdout"], "hi\n");
  h.load("rust", PM_IMAGEOPS_PLUGIN);
  EXPECT_FALSE(h.runtime_names().empty());
  EXPECT_EQ(mapped("libpython"), k_engines_at_start);
  EXPECT_EQ(mapped("libnode"), k_engines_at_start);
}

TEST(LazyEngines, StartingPyMapsLibpythonOnly) {
  promethean::host h;
  EXPECT_EQ(h.eval("py", "6 * 7").data.value(), 42);
  EXPECT_TRUE(mapped("libpython3"));
  EXPECT_TRUE(mapped("promethean_py.so"));
  EXPECT_EQ(mapped("libnode"), k_engines_at_start);
}

TEST(LazyEngines, StartingJsMapsLibnodeOnly) {
  promethean::host h;
  EXPECT_EQ(h.eval("js", "6 * 7").data.value(), 42);
  EXPECT_TRUE(mapped("libnode"));
  EXPECT_EQ(mapped("libpython"), k_engines_at_start);
}

TEST(LazyEngines, PyAndJsInOneHostShareBuffersThroughTheOneCore) {
  promethean::host h;
  h.eval("py", "import promethean, numpy as np\na = promethean.alloc([4], 'uint8')\na[:] = [1, 2, 3, 4]");
  h.eval("py", "promethean.export(lambda: a, 'the_array')");
  // py's array crosses to js through the core both modules link: one ledger, the same bytes.
  auto r = h.eval("js", "const t = promethean.call('py', 'the_array'); t[0] = 9; t[0] + t[1] + t[2] + t[3]");
  EXPECT_EQ(r.data.value(), 18);
  EXPECT_EQ(h.eval("py", "int(a[0])").data.value(), 9);
}

TEST(LazyEngines, AFileThatIsNotARuntimeModuleIsAClearError) {
  // A shared object that is not a runtime module, found first on PROMETHEAN_RUNTIME_PATH.
  const auto dir = std::filesystem::temp_directory_path() / ("pm_not_a_module_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(PM_CDEMO_PLUGIN, dir / "promethean_py.so",
                             std::filesystem::copy_options::overwrite_existing);
  ::setenv("PROMETHEAN_RUNTIME_PATH", dir.c_str(), 1);
  promethean::host h;
  try {
    h.eval("py", "1");
    ADD_FAILURE() << "a plugin passed for a runtime module";
  } catch (const promethean::usage_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("is not a runtime module"), std::string::npos) << m;
    EXPECT_NE(m.find((dir / "promethean_py.so").string()), std::string::npos) << m;
  }
  EXPECT_EQ(h.eval("meta", "(+ 1 1)").data.value(), 2);  // the host goes on
  std::filesystem::remove_all(dir);
}

TEST(LazyEngines, AModuleThatCannotBeFoundNamesWhereItLooked) {
  const auto dir = std::filesystem::temp_directory_path() / ("pm_empty_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ::setenv("PROMETHEAN_RUNTIME_PATH", dir.c_str(), 1);
  promethean::host h({.runtimes = {}, .factories = {promethean::module_runtime_factory("nonesuch")}});
  try {
    h.eval("nonesuch", "1");
    ADD_FAILURE() << "a runtime without a module started";
  } catch (const promethean::usage_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("promethean_nonesuch.so is in none of [" + dir.string()), std::string::npos) << m;
    EXPECT_NE(m.find("PROMETHEAN_RUNTIME_PATH"), std::string::npos) << m;
  }
  std::filesystem::remove_all(dir);
}
