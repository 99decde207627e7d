// The peer baseline, the seed's first phase: a child /usr/bin/python3 or /usr/bin/node serving
// calls as JSON lines over pipes. One round trip per call: the request written, its reply read.
#include "bench_host.hpp"
#include "child_process.hpp"
#include "registry.hpp"
#include "sides.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>

namespace promethean::bench {
namespace {

constexpr const char* k_python_peer = R"(import json, sys
for line in sys.stdin:
    req = json.loads(line)
    a = req["args"]
    r = a[0] + a[1] if req["fn"] == "add" else len(a[0])
    sys.stdout.write(json.dumps(r) + "\n")
    sys.stdout.flush()
)";

constexpr const char* k_node_peer = R"(
const rl = require('readline').createInterface({input: process.stdin});
rl.on('line', (line) => {
  const req = JSON.parse(line);
  const a = req.args;
  const r = req.fn === 'add' ? a[0] + a[1] : a[0].length;
  process.stdout.write(JSON.stringify(r) + '\n');
});
)";

constexpr std::size_t k_peer_buffer_bytes = 1024;

/// One child per peer for the whole run: Google Benchmark calls a benchmark function several
/// times (trial runs, repetitions), and starting node each time would cost a quarter second.
child_process& peer(benchmark::State& st, const std::vector<std::string>& argv, bool& ok) {
  static std::map<std::string, std::unique_ptr<child_process>> children;
  auto& slot = children[argv[0]];
  ok = true;
  if (!slot) {
    slot = std::make_unique<child_process>(argv);
    // The first round trip waits for the interpreter to start: outside any timed loop.
    slot->write_all("{\"fn\":\"add\",\"args\":[1,2]}\n");
    if (slot->read_line() != "3") {
      fail(st, argv[0] + " answered the first request wrongly");
      ok = false;
    }
  }
  return *slot;
}

void peer_call(benchmark::State& st, const std::vector<std::string>& argv, bool with_buffer) {
  bool ok = false;
  child_process& child = peer(st, argv, ok);
  if (!ok) return;
  const buffer* src = with_buffer ? &host_source(k_peer_buffer_bytes) : nullptr;
  const long long expected = with_buffer ? static_cast<long long>(k_peer_buffer_bytes) : 3;
  rss_probe probe;
  for (auto _ : st) {
    // The request is serialised per call, as a bridge over pipes does: the buffer as a JSON array.
    const std::string request = with_buffer ? "{\"fn\":\"len\",\"args\":[" + bytes_as_json(*src) + "]}\n"
                                            : std::string("{\"fn\":\"add\",\"args\":[1,2]}\n");
    child.write_all(request);
    const std::string reply = child.read_line();
    if (nlohmann::json::parse(reply) != expected) {
      fail(st, argv[0] + " answered " + reply);
      break;
    }
  }
  probe.finish(st);
}

}  // namespace

void register_peers(const plan& p) {
  const std::vector<std::string> python = {"/usr/bin/python3", "-c", k_python_peer};
  const std::vector<std::string> node = {"/usr/bin/node", "-e", k_node_peer};
  for (const bool with_buffer : {false, true}) {
    const std::string variant = with_buffer ? "buffer" : "json";
    const std::string what = with_buffer ? "1 KiB as a JSON array" : "add(1, 2)";
    add(p, {"peer/python3_pipes/" + variant, kind::peer, "host", "py", variant, with_buffer ? k_peer_buffer_bytes : 0,
            "a child /usr/bin/python3, " + what + " as a JSON line over pipes, reply read back"},
        [python, with_buffer](benchmark::State& st) { peer_call(st, python, with_buffer); });
    add(p, {"peer/node_pipes/" + variant, kind::peer, "host", "js", variant, with_buffer ? k_peer_buffer_bytes : 0,
            "a child /usr/bin/node, " + what + " as a JSON line over pipes, reply read back"},
        [node, with_buffer](benchmark::State& st) { peer_call(st, node, with_buffer); });
  }
}

}  // namespace promethean::bench
