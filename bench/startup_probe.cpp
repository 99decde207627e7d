// promethean_startup_probe WHAT: one fresh process of the startup measurement, linked against
// libpromethean.so as a user's program is (engines load on first use), printing the first result.
#include <promethean/host/host.hpp>

#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

std::string first_result(promethean::host& h, const std::string& what) {
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

int main(int argc, char** argv) {
  const std::string what = argc >= 2 ? argv[1] : "";
  try {
    promethean::host h;
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
    std::cerr << "promethean_startup_probe " << what << ": " << e.what() << "\n";
    return 1;
  }
}
