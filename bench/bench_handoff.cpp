// Buffer handoff at every size of the plan: the zero-copy path against a plain copy (the bytes
// copied once into new memory, then handed over: the least a copying bridge pays) and the JSON
// path (the bytes serialised as a JSON array of numbers, the text sent, parsed back by the
// receiver), for host → py, js, rust and py → js, py → rust, js → py, js → rust; and a torch.Tensor
// from py to js and rust.
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <cstdlib>
#include <cstring>

namespace promethean::bench {
namespace {

/// Operations per batch when the sender is py or js: enough that the host → sender call starting
/// each batch vanishes for the sub-microsecond zero-copy path, one where a handoff takes long.
int batch_for(const std::string& method, std::size_t bytes) {
  if (method == "zero_copy") return 100;
  return bytes <= (std::size_t{64} << 10) ? 20 : 1;
}

/// A copy into fresh, uninitialised memory (malloc, as a bridge's receive buffer would be), so
/// that the copy costs the memcpy and its page faults, not a zero-fill on top.
buffer copy_of(const buffer& src) {
  const std::size_t n = src.nbytes();
  void* p = std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, src.cdata(), n);
  return buffer::adopt(p, n, [p] { std::free(p); }, dtype::uint8, {n});
}

void host_handoff(benchmark::State& st, const std::string& to, const std::string& method, std::size_t bytes) {
  define_sides();
  const buffer& src = host_source(bytes);
  const std::string by_view = length_function(to);
  const std::string by_text = parse_function(to);
  if (method == "zero_copy") {
    // One untimed handoff first (see run_batches): the memory watched is then the handoff's own.
    the_host().call(to, by_view, message(nlohmann::json::array({buffer_to_json(src)}), {src}, {}));
  }
  rss_probe probe;
  for (auto _ : st) {
    message result;
    if (method == "zero_copy") {
      result = the_host().call(to, by_view, message(nlohmann::json::array({buffer_to_json(src)}), {src}, {}));
    } else if (method == "copy") {
      const buffer c = copy_of(src);
      result = the_host().call(to, by_view, message(nlohmann::json::array({buffer_to_json(c)}), {c}, {}));
    } else {
      result = the_host().call(to, by_text, nlohmann::json::array({bytes_as_json(src)}));
    }
    if (result.value() != bytes) {
      fail(st, to + " received " + result.dump() + " elements, " + std::to_string(bytes) + " were sent");
      break;
    }
  }
  probe.finish(st);
  st.counters[k_batch] = 1;
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(bytes));
}

}  // namespace

void register_handoffs(const plan& p) {
  const std::pair<std::string, std::string> paths[] = {{"host", "py"}, {"host", "js"}, {"host", "rust"}, {"py", "js"},
                                                       {"py", "rust"}, {"js", "py"},   {"js", "rust"}};
  constexpr std::size_t k_heavy = std::size_t{64} << 20;
  for (const std::size_t bytes : p.sizes) {
    for (const auto& [from, to] : paths) {
      for (const std::string method : {"zero_copy", "copy", "json"}) {
        if (method == "json" && bytes > p.json_max) continue;
        if (method == "copy" && bytes > p.copy_max) continue;
        const std::string name = "handoff/" + from + "_to_" + to + "/" + method + "/" + std::to_string(bytes);
        const std::string how = method == "zero_copy" ? "the same memory handed over"
                                : method == "copy"    ? "copied once into new memory, then handed over"
                                                      : "serialised as a JSON array, sent as text, parsed back";
        const bool heavy = method != "zero_copy" && bytes >= k_heavy;
        if (from == "host") {
          add(p, {name, kind::handoff, from, to, method, bytes, how},
              [to, method, bytes](benchmark::State& st) { host_handoff(st, to, method, bytes); }, heavy);
        } else {
          add(p, {name, kind::handoff, from, to, method, bytes, how},
              [from, to, method, bytes](benchmark::State& st) {
                prepare_source(from, bytes);
                run_batches(st, from, send_loop_function(from), nlohmann::json::array({to, method, bytes}),
                            batch_for(method, bytes), method == "zero_copy");
                st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * batch_for(method, bytes) *
                                     static_cast<std::int64_t>(bytes));
              },
              heavy);
        }
      }
    }
    // A torch.Tensor from py (issue 22): DLPack instead of the buffer protocol, the same memory.
    for (const std::string to : {"js", "rust"}) {
      const std::string name = "handoff/py_to_" + to + "/torch/" + std::to_string(bytes);
      add(p, {name, kind::handoff, "py", to, "torch", bytes, "a torch.Tensor, the same memory handed over (DLPack)"},
          [to, bytes](benchmark::State& st) {
            prepare_tensor_source(bytes);
            run_batches(st, "py", send_loop_function("py"), nlohmann::json::array({to, "torch", bytes}),
                        batch_for("zero_copy", bytes), true);
            st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * batch_for("zero_copy", bytes) *
                                 static_cast<std::int64_t>(bytes));
          });
    }
  }
}

}  // namespace promethean::bench
