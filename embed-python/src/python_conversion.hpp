// Private: Python objects ↔ messages. Every function here needs the GIL.
//
// Python → message: None, bool, int (int64, or uint64 above it; larger is an error), float (NaN and
// infinities are an error: JSON has no spelling for them; send them in a buffer), str, list/tuple,
// dict with str keys, numpy scalars (as their Python value), any buffer-protocol object (numpy
// arrays, bytes, bytearray, memoryview: adopted as a Buffer without a copy), callables (a Function
// handle). Anything else is a TypeError naming its type.
//
// message → Python: JSON values as the matching Python types; a Buffer handle becomes a numpy
// array over the same memory (read-only buffers give non-writeable arrays); a Function handle
// becomes a callable that routes to its runtime. Both are the very buffer and function the message
// holds, taken by position (message::cursor), never looked up by id.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/host/callable.hpp>
#include <promethean/host/message.hpp>

#include "python_numpy_arrays.hpp"

#include <pybind11/pybind11.h>

namespace promethean::python {

message to_message(pybind11::handle obj);
/// Evaluated code's value as eval's result: to_message's, or null when the conversion refuses it
/// (an object(), NaN, a dict with int keys, anywhere in the value). Code is evaluated for its
/// effect, which has happened; an error now would report a failure that did not occur. A call's
/// result, which the caller asked for, still fails with the reason (to_message).
message completion_to_message(pybind11::handle obj);

/// A Buffer handle in a call's argument message that a numpy array's entry in the adopted-array
/// cache lent (its element `index` of the argument array; `array` the argument, alive for the call).
struct lent_handle {
  std::size_t index;
  PyObject* array;
  bool tensor = false;  // a DLPack exporter's entry (python_foreign_arrays), not a numpy array's
};

/// args[0..n) as a JSON array message (call arguments), without making a tuple or list first.
/// With `lent` (promethean.call, whose message is its own and dropped after the call): a numpy
/// array argument takes the handle its cache entry keeps (made once per array, renamed when the
/// array is adopted anew: refresh_buffer_handle) instead of a handle being copied or built and
/// freed per call, recorded in `lent`. Give the handles back with give_back_handles(args, *lent)
/// when the call is over, under the GIL; a handle not given back (the call threw) is made anew next time.
message arguments_to_message(PyObject* const* args, std::size_t n, std::vector<lent_handle>* lent = nullptr);
void give_back_handles(message& args, std::vector<lent_handle>& lent) noexcept;
pybind11::object from_message(const message& m);

/// One JSON value of a message (an element of its argument array, say) as Python, its handles
/// taking the message's buffers and functions from `at`: convert the values in walk order (the
/// elements of an array by index), with one cursor for the whole message.
pybind11::object from_message_value(const nlohmann::json& value, message::cursor& at);

/// A typed argument (host.resolve's callables) as the Python value its JSON form would give.
pybind11::object from_argument(const argument& a);

/// A buffer-protocol object adopted as a Buffer (no copy); the Buffer keeps the object alive.
buffer adopt(pybind11::handle obj);
/// Whether a call may hand `obj` over as the Buffer adopt() makes of it, alone: what adopt()
/// remembers and crosses again as the same Buffer while that lives (a numpy array, a bytearray,
/// bytes: exact types), and DLPack exporters (a torch.Tensor: remembered as python_foreign_arrays.hpp
/// says; a device or dtype that cannot cross is adopt()'s TypeError, as on the JSON path).
bool crosses_as_a_buffer(PyObject* obj);
/// A str's text as UTF-8, borrowed from the str (CPython keeps it with the object). One that has
/// none (a lone surrogate, from surrogateescape or a broken decode) raises Python's own
/// UnicodeEncodeError, which names the character and its position (py::error_already_set).
std::string_view utf8_view(PyObject* str);


}  // namespace promethean::python
