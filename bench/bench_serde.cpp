// The Rust SDK's serde feature against its own JSON value: host → rust with one small options
// object, taken by the plugin as a serde struct (`Serde<Frame>`) and as a `Json` unpacked by hand
// (bench/serdeplug). Both cross as the same JSON text; the difference is the decoding in Rust.
#include "bench_host.hpp"
#include "registry.hpp"

#include <mutex>

namespace promethean::bench {
namespace {

const nlohmann::json& frame() {
  static const nlohmann::json f = {
      {"width", 640}, {"height", 480}, {"gain", 1.5}, {"name", "frame"}, {"tags", {"left", "calibrated"}}};
  return f;
}

/// What both functions compute from frame(): width * height * gain + len(name) + len(tags).
constexpr double k_frame_score = 640.0 * 480.0 * 1.5 + 5 + 2;

void host_call_frame(benchmark::State& st, const std::string& fn) {
  static std::once_flag loaded;
  std::call_once(loaded, [] { the_host().load("rust", PM_SERDEPLUG_PLUGIN); });
  rss_probe probe;
  for (auto _ : st) {
    message result = the_host().call("rust", fn, nlohmann::json::array({frame()}));
    if (result.value() != k_frame_score) {
      fail(st, fn + " gave " + result.dump());
      break;
    }
  }
  probe.finish(st);
}

}  // namespace

void register_serde_calls(const plan& p) {
  add(p, {"call/host_to_rust/serde_struct", kind::call, "host", "rust", "serde_struct", 0,
          "host.call(\"rust\", \"serdeplug.frame_serde\", [{5 fields}]): the plugin takes a serde struct"},
      [](benchmark::State& st) { host_call_frame(st, "serdeplug.frame_serde"); });
  add(p, {"call/host_to_rust/json_value", kind::call, "host", "rust", "json_value", 0,
          "host.call(\"rust\", \"serdeplug.frame_json\", [{5 fields}]): the plugin takes the SDK's Json and unpacks it"},
      [](benchmark::State& st) { host_call_frame(st, "serdeplug.frame_json"); });
}

}  // namespace promethean::bench
