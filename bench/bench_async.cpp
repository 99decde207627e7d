// Async calls (issue 21): the round trip of an async call whose result is there at once, py → js
// and js → py, and the 1,000-way fan-out (each of 1,000 calls resolved after 100 ms) as one
// operation, so that its figure is the time the whole fan-out takes.
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

namespace promethean::bench {
namespace {

/// Awaits per batch: the host → caller call and the loop's run_until_complete that start each
/// batch are then well under 1 % of the figure.
constexpr int k_async_batch = 1000;
constexpr int k_fan_out_width = 1000;
constexpr int k_fan_out_ms = 100;

constexpr const char* k_python_side = R"(
import asyncio, promethean

_bench_loop = asyncio.new_event_loop()

@promethean.export
def bench_async_loop(n, rt, fn):
    async def body():
        call_async = promethean.call_async
        r = None
        for _ in range(n):
            r = await call_async(rt, fn, 1, 2)
        return r
    r = _bench_loop.run_until_complete(body())
    if r != 3:
        raise ValueError(f"{rt} {fn}(1, 2) gave {r}")
    return n

@promethean.export
async def bench_add_async(a, b):
    return a + b

@promethean.export
async def bench_sleepy(i, ms):
    await asyncio.sleep(ms / 1000)
    return i

@promethean.export
def bench_fan_out(n, rt, fn, width, ms):
    async def body():
        return await asyncio.gather(*(promethean.call_async(rt, fn, i, ms) for i in range(width)))
    for _ in range(n):
        r = _bench_loop.run_until_complete(body())
        if r != list(range(width)):
            raise ValueError(f"the fan-out to {rt} {fn} gave {len(r)} results")
    return n
)";

constexpr const char* k_js_side = R"(
promethean.export('benchAsyncLoop', async (n, rt, fn) => {
  const callAsync = promethean.callAsync;
  let r;
  for (let i = 0; i < n; i++) r = await callAsync(rt, fn, 1, 2);
  if (r !== 3) throw new Error(`${rt} ${fn}(1, 2) gave ${r}`);
  return n;
});
promethean.export('benchLater', (i, ms) => new Promise((resolve) => setTimeout(() => resolve(i), ms)));
promethean.export('benchFanOut', async (n, rt, fn, width, ms) => {
  for (let k = 0; k < n; k++) {
    const r = await Promise.all(Array.from({ length: width }, (_, i) => promethean.callAsync(rt, fn, i, ms)));
    if (r.length !== width || r[width - 1] !== width - 1) throw new Error(`the fan-out to ${rt} ${fn} gave ${r}`);
  }
  return n;
});
)";

// A meta fan-out: n times, `width` calls started at once with call-async, then await-all.
constexpr const char* k_meta_side = R"(
(def bench-meta-fan-out (n rt f width ms)
  (do
    (map (fn (k) (await-all (map (fn (i) (call-async rt f i ms)) (range 0 width)))) (range 0 n))
    n))
)";

void define_async_sides() {
  static const bool done = [] {
    define_sides();
    the_host().eval("py", k_python_side);
    the_host().eval("js", k_js_side);
    the_host().eval("meta", k_meta_side);
    return true;
  }();
  (void)done;
}

}  // namespace

void register_async(const plan& p) {
  struct row {
    std::string from, to, variant, loop, fn, description;
  };
  const row rows[] = {
      {"py", "js", "async_settled", "bench_async_loop", "benchAdd",
       "await promethean.call_async(\"js\", \"benchAdd\", 1, 2) in an asyncio loop: the result is there at once"},
      {"js", "py", "async_coroutine", "benchAsyncLoop", "bench_add_async",
       "await promethean.callAsync(\"py\", \"bench_add_async\", 1, 2): an async def that returns at once, run on "
       "Promethean's asyncio loop, its first step eagerly on the calling thread (no thread hop)"},
      {"js", "py", "async_blocking", "benchAsyncLoop", "bench_add",
       "await promethean.callAsync(\"py\", \"bench_add\", 1, 2): a plain function, run on a worker of the host"},
  };
  for (const auto& r : rows) {
    add(p, {"call/" + r.from + "_to_" + r.to + "/" + r.variant, kind::call, r.from, r.to, r.variant, 0, r.description},
        [r](benchmark::State& st) {
          define_async_sides();
          run_batches(st, r.from, r.loop, nlohmann::json::array({r.to, r.fn}), k_async_batch, true);
        });
  }
  const row fan_outs[] = {
      {"py", "js", "fan_out_1000", "bench_fan_out", "benchLater",
       "asyncio.gather of 1,000 promethean.call_async(\"js\", …), each a Promise a 100 ms timer resolves: the whole "
       "fan-out"},
      {"js", "py", "fan_out_1000", "benchFanOut", "bench_sleepy",
       "Promise.all of 1,000 promethean.callAsync(\"py\", …), each an async def awaiting asyncio.sleep(0.1): the "
       "whole fan-out"},
  };
  for (const auto& r : fan_outs) {
    add(p, {"call/" + r.from + "_to_" + r.to + "/" + r.variant, kind::call, r.from, r.to, r.variant, 0, r.description},
        [r](benchmark::State& st) {
          define_async_sides();
          run_batches(st, r.from, r.loop, nlohmann::json::array({r.to, r.fn, k_fan_out_width, k_fan_out_ms}), 1, true);
        });
  }
  add(p, {"call/meta_to_js/fan_out_100", kind::call, "meta", "js", "fan_out_100", 0,
          "(await-all (map (fn (i) (call-async \"js\" …)) (range 0 100))), each a Promise a 100 ms timer resolves: "
          "the whole fan-out"},
      [](benchmark::State& st) {
        define_async_sides();
        run_batches(st, "meta", "bench-meta-fan-out", nlohmann::json::array({"js", "benchLater", 100, k_fan_out_ms}), 1,
                    true);
      });
}

}  // namespace promethean::bench
