// The CPython limits: the bench's Python adder called through PyObject_Vectorcall by a
// hand-written embedding, in the same process as the host → py figures.
#include "bench_host.hpp"
#include "registry.hpp"
#include "sides.hpp"

#include <Python.h>
#include <benchmark/benchmark.h>

namespace promethean::bench {
namespace {

PyObject* python_adder() {
  define_sides();
  PyGILState_STATE gil = PyGILState_Ensure();
  PyObject* fn = PyObject_GetAttrString(PyImport_AddModule("__main__"), "bench_add");
  PyGILState_Release(gil);
  return fn;
}

/// The limit: PyObject_Vectorcall by an embedding that takes the GIL per call (as the host must:
/// no thread holds it between calls), ints converted in and out.
void raw_vectorcall_with_gil(benchmark::State& st) {
  PyObject* fn = python_adder();
  rss_probe probe;
  for (auto _ : st) {
    PyGILState_STATE gil = PyGILState_Ensure();
    PyObject* argv[2] = {PyLong_FromLong(1), PyLong_FromLong(2)};
    PyObject* r = PyObject_Vectorcall(fn, argv, 2, nullptr);
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    Py_DECREF(argv[0]);
    Py_DECREF(argv[1]);
    PyGILState_Release(gil);
    benchmark::DoNotOptimize(v);
  }
  probe.finish(st);
  PyGILState_STATE gil = PyGILState_Ensure();
  Py_DECREF(fn);
  PyGILState_Release(gil);
}

/// The floor: the vectorcall alone, GIL held throughout (no embedding can call for less).
void raw_vectorcall_gil_held(benchmark::State& st) {
  PyObject* fn = python_adder();
  PyGILState_STATE gil = PyGILState_Ensure();
  rss_probe probe;
  for (auto _ : st) {
    PyObject* argv[2] = {PyLong_FromLong(1), PyLong_FromLong(2)};
    PyObject* r = PyObject_Vectorcall(fn, argv, 2, nullptr);
    long v = PyLong_AsLong(r);
    Py_DECREF(r);
    Py_DECREF(argv[0]);
    Py_DECREF(argv[1]);
    benchmark::DoNotOptimize(v);
  }
  probe.finish(st);
  Py_DECREF(fn);
  PyGILState_Release(gil);
}

}  // namespace

void register_python_limits(const plan& p) {
  add(p, {"limit/py/vectorcall_with_gil", kind::limit, "py", "", "with_lock", 0,
          "PyObject_Vectorcall of the same adder, GIL taken per call, ints converted"},
      raw_vectorcall_with_gil);
  add(p, {"limit/py/vectorcall_gil_held", kind::limit, "py", "", "lock_held", 0,
          "the vectorcall alone, GIL held throughout (the floor)"},
      raw_vectorcall_gil_held);
}

}  // namespace promethean::bench
