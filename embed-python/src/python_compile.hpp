// Python source compiled as builtins.compile(source, filename, mode) compiles it, through the C
// API. Why not compile() itself: its first step asks whether the source is an AST, and that
// question builds the `_ast` module's 111 node classes (~10 million instructions, about 3 ms) the
// first time it is asked. python3 never asks it to run a script; neither does the host now, so a
// script's start and the first eval do not pay for ASTs nobody uses.
#pragma once

#include <pybind11/pybind11.h>

namespace promethean::python {

/// `source` (str, or bytes whose coding cookie is honoured), `filename` and `start`
/// (Py_file_input, Py_eval_input) as compile() takes them, with the calling frame's __future__
/// flags inherited as compile() does; the code object, or the error compile() raises (a
/// SyntaxError; null bytes as this Python's compile() reports them). The caller holds the GIL.
pybind11::object compile_source(pybind11::handle source, pybind11::handle filename, int start);

}  // namespace promethean::python
