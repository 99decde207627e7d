// Private: the py runtime's own Python code (embed-python/src/py/*.py), compiled at build time.
//
// Compiling Python costs about a million instructions per hundred lines, and the module's
// classes and helpers (ForeignError, kw, copy, export, the signal table's wrapper) were compiled
// at every start: ~4 million instructions of a `promethean run hello.py`. The build compiles each
// file once (tools/freeze_python.py) and the start runs the code object. A Python whose bytecode
// differs from the build's (another 3.11 build with another magic number) compiles the source
// instead: the same result, at the old cost.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string_view>

namespace promethean::python {

struct frozen_code {
  const char* name;         ///< the file's stem, as run_frozen_code() takes it
  const char* source;       ///< its text, NUL-terminated
  const unsigned char* code;  ///< marshal data of its code object
  std::size_t code_size;
};

extern const long k_frozen_magic;  ///< the bytecode magic number of the Python that built them
extern const frozen_code k_frozen_code[];
extern const std::size_t k_frozen_code_count;

/// The code object of `entry`: its marshal data read back, or its source compiled (when
/// `from_source`, or when this Python's magic number differs from the build's). The caller holds
/// the GIL. Throws pybind11::error_already_set.
pybind11::object frozen_code_object(const frozen_code& entry, bool from_source);

/// Runs embed-python/src/py/NAME.py with `scope` as its globals (given __builtins__ if it has
/// none), as py::exec would run its source. The caller holds the GIL. Throws
/// pybind11::error_already_set (what the code raises), std::logic_error for an unknown name.
void run_frozen_code(std::string_view name, const pybind11::dict& scope);

}  // namespace promethean::python
