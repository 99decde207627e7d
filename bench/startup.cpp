#include "startup.hpp"

#include "child_process.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace promethean::bench {

namespace {

/// How one kind of process is started: by the probe (linked against libpromethean.so), by the
/// `promethean` CLI on a script, or by a plain interpreter for reference.
enum class starter { probe, cli, plain };

struct kind_of_start {
  const char* what;
  const char* description;
  starter by;
  std::vector<std::string> args;  // after the program (for `plain`: the program is args[0])
};

const std::vector<kind_of_start>& kinds() {
  static const std::vector<kind_of_start> k{
      {"host", "a Host made, no runtime started (the process floor)", starter::probe, {"host"}},
      {"sh", "sh: echo 2", starter::probe, {"sh"}},
      {"py", "py: 1 + 1 (libpython loaded, CPython initialised, the promethean module imported)", starter::probe, {"py"}},
      {"js", "js: 1 + 1 (libnode loaded, V8 platform, isolate, Node environment, bootstrap)", starter::probe, {"js"}},
      {"rust", "rust: the bench plugin loaded, benchplug.add(1, 2)", starter::probe, {"rust"}},
      {"all", "py, js, rust and sh, each to its first result, in one process", starter::probe, {"all"}},
      {"run.sib", "promethean run hello.sib (meta: (print 2))", starter::cli, {"run", "hello.sib"}},
      {"run.py", "promethean run hello.py (print(2))", starter::cli, {"run", "hello.py"}},
      {"python3.py", "python3 hello.py, for reference", starter::plain, {"/usr/bin/python3", "hello.py"}},
      {"run.js", "promethean run hello.js (console.log(2))", starter::cli, {"run", "hello.js"}},
      {"node.js", "node hello.js, for reference", starter::plain, {"/usr/bin/node", "hello.js"}},
      {"python3", "a plain /usr/bin/python3 -c 'print(2)', for reference", starter::plain,
       {"/usr/bin/python3", "-c", "print(2)"}},
      {"node", "a plain /usr/bin/node -e 'console.log(2)', for reference", starter::plain,
       {"/usr/bin/node", "-e", "console.log(2)"}},
  };
  return k;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The hello scripts the CLI rows run, each printing 2, in a directory of their own.
std::filesystem::path write_hello_scripts() {
  const auto dir = std::filesystem::temp_directory_path() / ("promethean_startup_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "hello.py") << "print(2)\n";
  std::ofstream(dir / "hello.js") << "console.log(2)\n";
  std::ofstream(dir / "hello.sib") << "(print 2)\n";
  return dir;
}

/// The first of `candidates` that is an executable file; throws naming them all.
std::string first_executable(const std::vector<std::filesystem::path>& candidates, const std::string& what) {
  std::string tried;
  for (const auto& c : candidates) {
    if (!c.empty() && ::access(c.c_str(), X_OK) == 0) return c.string();
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  throw std::runtime_error("startup: " + what + " not found (looked at " + tried + ")");
}

}  // namespace

std::vector<startup_measurement> measure_startup(const std::string& self, int repetitions) {
  const auto here = std::filesystem::path(self).parent_path();
  // Beside this binary in the build tree (bench/) or in an installed libexec/promethean.
  const std::string probe = first_executable({here / "promethean_startup_probe"}, "promethean_startup_probe");
  // $PROMETHEAN (set by the CLI that ran `promethean bench`), else the build tree's CLI.
  const char* env = std::getenv("PROMETHEAN");
  const std::string cli = first_executable({env ? std::filesystem::path(env) : std::filesystem::path(),
                                            here.parent_path() / "promethean",
                                            here.parent_path().parent_path() / "bin" / "promethean"},
                                           "the promethean CLI");
  const auto scripts = write_hello_scripts();

  std::vector<startup_measurement> out;
  for (const auto& k : kinds()) out.push_back(startup_measurement{k.what, k.description, 0, {}});
  // Interleaved (one of each kind per round), so that a slow moment of the machine weighs on
  // every kind alike and the ratios between kinds hold.
  for (int i = 0; i < repetitions; ++i) {
    for (std::size_t n = 0; n < kinds().size(); ++n) {
      const auto& k = kinds()[n];
      std::vector<std::string> argv;
      if (k.by == starter::probe) argv.push_back(probe);
      if (k.by == starter::cli) argv.push_back(cli);
      for (const auto& a : k.args) {
        const bool script = a.rfind("hello.", 0) == 0;
        argv.push_back(script ? (scripts / a).string() : a);
      }
      const auto t0 = std::chrono::steady_clock::now();
      child_process child(argv);
      const std::string line = child.read_line();
      const auto t1 = std::chrono::steady_clock::now();
      if (line != "2") throw std::runtime_error(std::string("startup of ") + k.what + ": the first line was '" + line + "', not 2");
      // Waiting for the exit keeps one child's shutdown out of the next one's start.
      if (const int status = child.finish(); status != 0) {
        throw std::runtime_error(std::string("startup of ") + k.what + ": the process exited with status " + std::to_string(status));
      }
      out[n].samples_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(scripts, ec);
  for (auto& m : out) m.ms = median(m.samples_ms);
  return out;
}

}  // namespace promethean::bench
