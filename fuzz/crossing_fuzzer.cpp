// Fuzzes values crossing py ↔ host ↔ js: fuzz bytes decoded into a nested JSON value (bounded depth
// and size; strings valid UTF-8 and numbers finite, as JSON has them) are sent to py and to js,
// through py to js and through js to py, each returning it unchanged, and marshalled as a literal
// of each language (host::marshal) and evaluated there. Every path must give back an equal value;
// a value with "_type" keys (a forged handle or envelope) may instead be refused with Promethean's
// error, never another exception.
#include "fuzz_check.hpp"
#include "meta/utf8.hpp"

#include <promethean/host/host.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <memory>
#include <string>

namespace {
using promethean::fuzz::broken;
using json = nlohmann::json;

constexpr int k_max_depth = 8;
constexpr int k_max_nodes = 200;

/// Keys that mean something to one of the runtimes, and some that mean nothing.
const char* const k_keys[] = {"a", "b", "", "__proto__", "constructor", "toString", "prototype", "_type",
                              "length", "0", "1", "-1", "é", "\xF0\x9F\x94\xA5", "key with space", "__dict__"};

std::string utf8_string(FuzzedDataProvider& in) {
  std::string out;
  const std::size_t length = in.ConsumeIntegralInRange<std::size_t>(0, 12);
  for (std::size_t i = 0; i < length && in.remaining_bytes() > 0; ++i) {
    std::uint32_t cp = 0;
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: cp = in.ConsumeIntegralInRange<std::uint32_t>(0, 0x7F); break;
      case 1: cp = in.ConsumeIntegralInRange<std::uint32_t>(0x80, 0x7FF); break;
      case 2: cp = in.ConsumeIntegralInRange<std::uint32_t>(0x800, 0xFFFF); break;
      default: cp = in.ConsumeIntegralInRange<std::uint32_t>(0x10000, 0x10FFFF); break;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // surrogates have no UTF-8
    promethean::meta::append_utf8(out, cp);  // surrogates were replaced above
  }
  return out;
}

json decode(FuzzedDataProvider& in, int depth, int& nodes) {
  ++nodes;
  const int last = depth >= k_max_depth || nodes >= k_max_nodes ? 6 : 8;
  switch (in.ConsumeIntegralInRange<int>(0, last)) {
    case 0: return nullptr;
    case 1: return in.ConsumeBool();
    case 2: return in.ConsumeIntegralInRange<std::int64_t>(-1000, 1000);
    case 3: return in.ConsumeIntegral<std::int64_t>();
    case 4: return in.ConsumeIntegral<std::uint64_t>();
    case 5: {
      const double d = in.ConsumeFloatingPoint<double>();
      return std::isfinite(d) ? json(d) : json(0.5);  // JSON has no NaN or infinity
    }
    case 6: return utf8_string(in);
    case 7: {
      json a = json::array();
      const int n = in.ConsumeIntegralInRange<int>(0, 6);
      for (int i = 0; i < n && in.remaining_bytes() > 0; ++i) a.push_back(decode(in, depth + 1, nodes));
      return a;
    }
    default: {
      json o = json::object();
      const int n = in.ConsumeIntegralInRange<int>(0, 6);
      for (int i = 0; i < n && in.remaining_bytes() > 0; ++i) {
        std::string key = in.ConsumeBool() ? k_keys[in.ConsumeIntegralInRange<std::size_t>(0, std::size(k_keys) - 1)]
                                           : utf8_string(in);
        o[key] = decode(in, depth + 1, nodes);
      }
      return o;
    }
  }
}

bool has_type_key(const json& j) {
  if (j.is_object() && j.contains("_type")) return true;
  if (j.is_structured()) {
    for (const auto& item : j) {
      if (has_type_key(item)) return true;
    }
  }
  return false;
}

promethean::host& the_host() {
  // Made on the first input and destroyed at exit (libFuzzer exits on the thread that runs the
  // inputs, which started Node), so that the exit's leak check sees the engines stopped in order.
  static const std::unique_ptr<promethean::host> h = [] {
    auto made = std::make_unique<promethean::host>(promethean::host_options{.runtimes = {"js", "py"}});
    made->define("py", {"pm_fuzz_id", {"v"}, "v"});
    made->define("js", {"pm_fuzz_id", {"v"}, "v"});
    made->eval("py",
               "import promethean\n"
               "def pm_fuzz_via_js(v):\n"
               "    return promethean.call('js', 'pm_fuzz_id', v)\n");
    made->eval("js", "globalThis.pm_fuzz_via_py = (v) => promethean.call('py', 'pm_fuzz_id', v); null");
    return made;
  }();
  return *h;
}

/// One path: the value that came back equals `value`, or (only for a value with "_type" keys) a
/// Promethean error.
template <class F>
void path(const char* name, const json& value, bool may_refuse, F&& run) {
  json back;
  try {
    back = run();
  } catch (const promethean::error& e) {
    if (may_refuse) return;
    broken(name, "a plain value was refused: " + value.dump() + "\n" + e.describe());
  } catch (const std::exception& e) {
    broken(name, std::string("an exception outside Promethean's error family escaped: ") + e.what());
  }
  PM_FUZZ_CHECK(back == value, std::string(name) + ": sent " + value.dump() + "\ngot back " + back.dump());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  promethean::host& h = the_host();
  FuzzedDataProvider in(data, size);
  int nodes = 0;
  const json value = decode(in, 0, nodes);
  const bool may_refuse = has_type_key(value);
  const json args = json::array({value});
  path("host -> py -> host", value, may_refuse, [&] { return h.call("py", "pm_fuzz_id", args).value(); });
  path("host -> js -> host", value, may_refuse, [&] { return h.call("js", "pm_fuzz_id", args).value(); });
  path("host -> py -> js -> py -> host", value, may_refuse,
       [&] { return h.call("py", "pm_fuzz_via_js", args).value(); });
  path("host -> js -> py -> js -> host", value, may_refuse,
       [&] { return h.call("js", "pm_fuzz_via_py", args).value(); });
  path("a py literal (host::marshal) evaluated in py", value, may_refuse,
       [&] { return h.eval("py", h.marshal("py", value)).data.value(); });
  path("a js literal (host::marshal) evaluated in js", value, may_refuse,
       [&] { return h.eval("js", "(" + h.marshal("js", value) + ")").data.value(); });
  return 0;
}
