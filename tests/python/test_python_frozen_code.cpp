// The py runtime's own Python code, compiled at build time (embed-python/src/python_frozen_code.hpp):
// what the build compiled is what its source compiles to in this Python, so the source path, taken
// by a Python whose bytecode magic number differs from the build's, runs the same code.
#include "python_fixture.hpp"

#include "python_frozen_code.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace promethean;

TEST(PyFrozenCode, EveryFileCompiledAtBuildTimeIsItsSourceCompiledInThisPython) {
  the_host().eval("py", "1");  // the interpreter is up
  // The GIL given back however the test ends (a failed ASSERT returns early): held, it would stop
  // every later test of this binary.
  struct holding_the_gil {
    PyGILState_STATE state = PyGILState_Ensure();
    ~holding_the_gil() { PyGILState_Release(state); }
  } gil;
  {
    ASSERT_EQ(PyImport_GetMagicNumber(), python::k_frozen_magic) << "built with another Python than the one running";
    ASSERT_GE(python::k_frozen_code_count, 4u);
    for (std::size_t i = 0; i < python::k_frozen_code_count; ++i) {
      const python::frozen_code& entry = python::k_frozen_code[i];
      const pybind11::object built = python::frozen_code_object(entry, false);
      const pybind11::object compiled = python::frozen_code_object(entry, true);
      EXPECT_TRUE(built.equal(compiled)) << entry.name;
      EXPECT_EQ(std::string(pybind11::str(compiled.attr("co_filename"))), "<promethean " + std::string(entry.name) + ">");
    }
  }
}
