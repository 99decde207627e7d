// py hot paths: a host → py call against a raw CPython vectorcall, and a numpy buffer handed from
// Python to the host and back at sizes from 1 KiB to 1 GiB against copying the same bytes.
#include "bench_host.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>

#include <Python.h>
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

namespace promethean::bench {
namespace {

/// Defines the Python side once: an exported adder and an echo, both trivially small so that the
/// benchmark measures the crossing, not the work.
void define_python_side() {
  static const bool done = [] {
    the_host().eval("py", R"(import promethean, numpy
@promethean.export
def bench_add(a, b):
    return a + b

@promethean.export
def bench_echo(x):
    return x
)");
    return true;
  }();
  (void)done;
}

/// Host → py: what an embedder pays for `host.call("py", "bench_add", [1, 2])`, arguments and
/// result converted, the GIL taken and given back.
void host_to_py_call(benchmark::State& st) {
  define_python_side();
  const nlohmann::json args = nlohmann::json::array({1, 2});
  for (auto _ : st) {
    message result = the_host().call("py", "bench_add", args);
    benchmark::DoNotOptimize(result.value().get<std::int64_t>());
  }
}
BENCHMARK(host_to_py_call);

/// The same call with the argument message built once, as a loop that reuses its arguments does:
/// the difference to host_to_py_call is the cost of building and freeing the JSON arguments.
void host_to_py_call_reused_args(benchmark::State& st) {
  define_python_side();
  const message args(nlohmann::json::array({1, 2}));
  for (auto _ : st) {
    message result = the_host().call("py", "bench_add", args);
    benchmark::DoNotOptimize(result.value().get<std::int64_t>());
  }
}
BENCHMARK(host_to_py_call_reused_args);

/// The limit: the same Python function through PyObject_Vectorcall, by a hand-written embedding
/// that takes the GIL per call (as the host must: no thread holds it between calls).
void raw_vectorcall_with_gil(benchmark::State& st) {
  define_python_side();
  PyGILState_STATE gil = PyGILState_Ensure();
  PyObject* main = PyImport_AddModule("__main__");
  PyObject* fn = PyObject_GetAttrString(main, "bench_add");
  PyGILState_Release(gil);
  for (auto _ : st) {
    gil = PyGILState_Ensure();
    PyObject* argv[2] = {PyLong_FromLong(1), PyLong_FromLong(2)};
    PyObject* r = PyObject_Vectorcall(fn, argv, 2, nullptr);
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    Py_DECREF(argv[0]);
    Py_DECREF(argv[1]);
    PyGILState_Release(gil);
    benchmark::DoNotOptimize(v);
  }
  gil = PyGILState_Ensure();
  Py_DECREF(fn);
  PyGILState_Release(gil);
}
BENCHMARK(raw_vectorcall_with_gil);

/// The floor: the vectorcall alone, GIL held throughout (no embedding can call for less).
void raw_vectorcall_gil_held(benchmark::State& st) {
  define_python_side();
  PyGILState_STATE gil = PyGILState_Ensure();
  PyObject* fn = PyObject_GetAttrString(PyImport_AddModule("__main__"), "bench_add");
  for (auto _ : st) {
    PyObject* argv[2] = {PyLong_FromLong(1), PyLong_FromLong(2)};
    PyObject* r = PyObject_Vectorcall(fn, argv, 2, nullptr);
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    Py_DECREF(argv[0]);
    Py_DECREF(argv[1]);
    benchmark::DoNotOptimize(v);
  }
  Py_DECREF(fn);
  PyGILState_Release(gil);
}
BENCHMARK(raw_vectorcall_gil_held);

/// A numpy array made in Python crosses to the host (adopted, no copy) and goes back to Python
/// (the same array object again) and returns: one call, two crossings, per iteration. Flat in the
/// size when nothing is copied.
void py_buffer_handoff(benchmark::State& st) {
  define_python_side();
  const auto bytes = static_cast<std::size_t>(st.range(0));
  auto made = the_host().eval("py", "numpy.ones(" + std::to_string(bytes) + ", numpy.uint8)").data.as_buffer();
  if (!made) {
    fail(st, "numpy array did not cross as a buffer");
    return;
  }
  const buffer original = *made;
  const nlohmann::json args = nlohmann::json::array({buffer_to_json(original)});
  const message call_args(args, {original}, {});
  for (auto _ : st) {
    message back = the_host().call("py", "bench_echo", call_args);
    if (back.buffers().empty() || back.buffers()[0].cdata() != original.cdata()) {
      fail(st, "the buffer came back over different memory");
      break;
    }
    benchmark::DoNotOptimize(back.buffers()[0].cdata());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(bytes));
}
BENCHMARK(py_buffer_handoff)->Apply(handoff_sizes);

/// What a copying bridge pays at least: one memcpy of the same bytes (no serialisation at all).
void copy_baseline(benchmark::State& st) {
  const auto bytes = static_cast<std::size_t>(st.range(0));
  std::vector<unsigned char> from(bytes, 1), to(bytes);
  for (auto _ : st) {
    std::memcpy(to.data(), from.data(), bytes);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(bytes));
}
BENCHMARK(copy_baseline)->Apply(handoff_sizes);

}  // namespace
}  // namespace promethean::bench
