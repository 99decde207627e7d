#include "sides.hpp"

#include "bench_host.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace promethean::bench {

namespace {

// Receivers read the last byte of a buffer so that a view over the wrong memory fails instead of
// passing quietly; every loop checks the last result so that a broken path cannot look fast.
constexpr const char* k_python_side = R"(import json, numpy, promethean, time

@promethean.export
def bench_add(a, b):
    return a + b

@promethean.export
def bench_echo(x):
    return x

@promethean.export
def bench_len(x):
    # item() reads the byte as a Python int: x[-1] == 1 would add numpy's scalar and ufunc
    # machinery (~1 us) to a figure meant to show the bridge.
    return x.shape[0] if x.item(-1) == 1 else -1

@promethean.export
def bench_parse_len(text):
    return len(json.loads(text))

_bench_sources = {}
_bench_receivers = {"py": ("bench_len", "bench_parse_len"), "js": ("benchLen", "benchParseLen"),
                    "rust": ("benchplug.len", "benchplug.parse_len")}

def _bench_source(size):
    a = _bench_sources.get(size)
    if a is None:
        _bench_sources.clear()
        a = _bench_sources[size] = numpy.ones(size, numpy.uint8)
    return a

@promethean.export
def bench_prepare(size):
    return _bench_source(size).shape[0]

_bench_tensors = {}

def _bench_tensor(size):
    # A torch.Tensor source (issue 22): it crosses through DLPack, not the buffer protocol.
    t = _bench_tensors.get(size)
    if t is None:
        import torch
        _bench_tensors.clear()
        t = _bench_tensors[size] = torch.ones(size, dtype=torch.uint8)
    return t

@promethean.export
def bench_prepare_tensor(size):
    return _bench_tensor(size).shape[0]

@promethean.export
def bench_send(n, rt, method, size):
    src = _bench_tensor(size) if method == "torch" else _bench_source(size)
    by_view, by_text = _bench_receivers[rt]
    call = promethean.call
    r = None
    if method in ("zero_copy", "torch"):
        for _ in range(n):
            r = call(rt, by_view, src)
    elif method == "copy":
        for _ in range(n):
            r = call(rt, by_view, src.copy())
    elif method == "json":
        for _ in range(n):
            r = call(rt, by_text, json.dumps(src.tolist()))
    else:
        raise ValueError("unknown method " + method)
    if r != size:
        raise ValueError(f"{rt} received {r} elements, {size} were sent")
    return n

@promethean.export
def bench_call_loop(n, rt, fn):
    call = promethean.call
    r = None
    for _ in range(n):
        r = call(rt, fn, 1, 2)
    if r != 3:
        raise ValueError(f"{rt} {fn}(1, 2) gave {r}")
    return n
)";

constexpr const char* k_js_side = R"(
promethean.export('benchAdd', (a, b) => a + b);
promethean.export('benchEcho', (x) => x);
promethean.export('benchLen', (x) => (x[x.length - 1] === 1 ? x.length : -1));
promethean.export('benchParseLen', (text) => JSON.parse(text).length);
{
  // A size change frees the previous source now, not whenever V8 next collects: the peak resident
  // memory of the next benchmark must not include it.
  require('v8').setFlagsFromString('--expose_gc');
  const gc = require('vm').runInNewContext('gc');
  const sources = new Map();
  const receivers = {py: ['bench_len', 'bench_parse_len'], js: ['benchLen', 'benchParseLen'],
                     rust: ['benchplug.len', 'benchplug.parse_len']};
  const source = (size) => {
    let a = sources.get(size);
    if (a === undefined) {
      sources.clear();
      gc();
      a = new Uint8Array(size).fill(1);
      sources.set(size, a);
    }
    return a;
  };
  promethean.export('benchPrepare', (size) => source(size).length);
  promethean.export('benchSend', (n, rt, method, size) => {
    const src = source(size);
    const [byView, byText] = receivers[rt];
    const call = promethean.call;
    let r;
    if (method === 'zero_copy') {
      for (let i = 0; i < n; i++) r = call(rt, byView, src);
    } else if (method === 'copy') {
      for (let i = 0; i < n; i++) r = call(rt, byView, src.slice());
    } else if (method === 'json') {
      for (let i = 0; i < n; i++) r = call(rt, byText, JSON.stringify(Array.from(src)));
    } else {
      throw new Error('unknown method ' + method);
    }
    if (r !== size) throw new Error(`${rt} received ${r} elements, ${size} were sent`);
    return n;
  });
  promethean.export('benchCallLoop', (n, rt, fn) => {
    const call = promethean.call;
    let r;
    for (let i = 0; i < n; i++) r = call(rt, fn, 1, 2);
    if (r !== 3) throw new Error(`${rt} ${fn}(1, 2) gave ${r}`);
    return n;
  });
}
)";

std::string pick(const std::string& rt, const char* py, const char* js, const char* rust) {
  if (rt == "py") return py;
  if (rt == "js") return js;
  if (rt == "rust") return rust;
  throw std::invalid_argument("no bench function in runtime '" + rt + "'");
}

struct host_source_cache {
  std::size_t bytes = 0;
  buffer b;
};
host_source_cache& host_cache() {
  static host_source_cache c;
  return c;
}

}  // namespace

void define_sides() {
  static const bool done = [] {
    the_host().eval("py", k_python_side);
    the_host().eval("js", k_js_side);
    the_host().load("rust", PM_BENCHPLUG_PLUGIN);
    return true;
  }();
  (void)done;
}

std::string add_function(const std::string& rt) { return pick(rt, "bench_add", "benchAdd", "benchplug.add"); }
std::string length_function(const std::string& rt) { return pick(rt, "bench_len", "benchLen", "benchplug.len"); }
std::string parse_function(const std::string& rt) {
  return pick(rt, "bench_parse_len", "benchParseLen", "benchplug.parse_len");
}
std::string send_loop_function(const std::string& from) { return pick(from, "bench_send", "benchSend", ""); }
std::string call_loop_function(const std::string& from) { return pick(from, "bench_call_loop", "benchCallLoop", ""); }

const buffer& host_source(std::size_t bytes) {
  auto& c = host_cache();
  if (c.bytes != bytes || !c.b) {
    c.b = buffer();  // the previous size goes first: never two large sources at once
    c.b = buffer::allocate(dtype::uint8, {bytes});
    std::memset(c.b.data(), 1, bytes);
    c.bytes = bytes;
  }
  return c.b;
}

void prepare_tensor_source(std::size_t bytes) {
  define_sides();
  const message r = the_host().call("py", "bench_prepare_tensor", nlohmann::json::array({bytes}));
  if (r.value() != bytes) throw std::runtime_error("py could not make a torch.Tensor of " + std::to_string(bytes) + " bytes");
}

void prepare_source(const std::string& rt, std::size_t bytes) {
  define_sides();
  if (rt == "host") {
    host_source(bytes);
    return;
  }
  const std::string fn = rt == "py" ? "bench_prepare" : "benchPrepare";
  const message r = the_host().call(rt, fn, nlohmann::json::array({bytes}));
  if (r.value() != bytes) throw std::runtime_error(rt + " could not make a source of " + std::to_string(bytes) + " bytes");
}

std::string bytes_as_json(const buffer& b) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.cdata());
  const std::size_t n = b.nbytes();
  std::string out;
  out.reserve(n * 4 + 2);
  out.push_back('[');
  char digits[4];
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out.push_back(',');
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, static_cast<unsigned>(p[i]));
    (void)ec;  // three digits always fit
    out.append(digits, end);
  }
  out.push_back(']');
  return out;
}

}  // namespace promethean::bench
