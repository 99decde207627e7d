#include "startup.hpp"

#include "child_process.hpp"

#include <promethean/host/host.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace promethean::bench {

namespace {

struct kind_of_start {
  const char* what;
  const char* description;
};

constexpr kind_of_start k_kinds[] = {
    {"host", "a Host made, no runtime started (the process floor)"},
    {"sh", "sh: echo 2"},
    {"py", "py: 1 + 1 (CPython initialised, the promethean module imported)"},
    {"js", "js: 1 + 1 (V8 platform, isolate, Node environment, bootstrap)"},
    {"rust", "rust: the bench plugin loaded, benchplug.add(1, 2)"},
    {"all", "py, js, rust and sh, each to its first result, in one process"},
    {"python3", "a plain /usr/bin/python3 -c 'print(2)', for reference"},
    {"node", "a plain /usr/bin/node -e 'console.log(2)', for reference"},
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string first_result(host& h, const std::string& what) {
  if (what == "host") return "2";
  if (what == "sh") return h.eval("sh", "echo 2").data.value().at("stdout").get<std::string>().substr(0, 1);
  if (what == "py" || what == "js") return h.eval(what, "1 + 1").data.value().dump();
  if (what == "rust") {
    h.load("rust", PM_BENCHPLUG_PLUGIN);
    return h.call("rust", "benchplug.add", nlohmann::json::array({1, 1})).value().dump();
  }
  throw std::invalid_argument("unknown startup kind '" + what + "'");
}

}  // namespace

int startup_child(const std::string& what) {
  try {
    host h;
    std::string line;
    if (what == "all") {
      for (const char* rt : {"py", "js", "rust", "sh"}) {
        const std::string r = first_result(h, rt);
        if (r != "2") throw std::runtime_error(std::string(rt) + " gave " + r);
      }
      line = "2";
    } else {
      line = first_result(h, what);
    }
    std::cout << line << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "promethean_bench --startup-child " << what << ": " << e.what() << "\n";
    return 1;
  }
}

std::vector<startup_measurement> measure_startup(const std::string& self, int repetitions) {
  std::vector<startup_measurement> out;
  for (const auto& k : k_kinds) {
    const std::string what = k.what;
    std::vector<std::string> argv;
    if (what == "python3") {
      argv = {"/usr/bin/python3", "-c", "print(2)"};
    } else if (what == "node") {
      argv = {"/usr/bin/node", "-e", "console.log(2)"};
    } else {
      argv = {self, "--startup-child", what};
    }
    startup_measurement m{what, k.description, 0, {}};
    for (int i = 0; i < repetitions; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      child_process child(argv);
      const std::string line = child.read_line();
      const auto t1 = std::chrono::steady_clock::now();
      if (line != "2") throw std::runtime_error("startup of " + what + ": the first line was '" + line + "', not 2");
      // Waiting for the exit keeps one child's shutdown out of the next one's start.
      if (const int status = child.finish(); status != 0) {
        throw std::runtime_error("startup of " + what + ": the process exited with status " + std::to_string(status));
      }
      m.samples_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    m.ms = median(m.samples_ms);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace promethean::bench
