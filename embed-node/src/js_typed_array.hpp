// Private: JS memory ↔ Buffers without a copy: a TypedArray, ArrayBuffer or DataView adopted as a
// Buffer (adopt), a Buffer handed to JS as a TypedArray over its memory (to_typed_array), and the
// weak_view by which a TypedArray that crossed is that same Buffer again (js_conversion.hpp
// declares the functions the rest of the runtime calls).
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <nlohmann/json.hpp>
#include <v8.h>

#include <cstdint>
#include <optional>

namespace promethean::js {

/// What a TypedArray that crossed (either way) knows of its Buffer: the Buffer itself, held for as
/// long as V8 keeps the TypedArray, so that every later crossing is that very Buffer (same id, no
/// new ArrayBuffer, no ledger lookup). The Buffer holds the backing store, never the JS object, so
/// this makes no cycle: when V8 collects the TypedArray, the weak callback lets the Buffer go.
struct weak_view {
  std::uint64_t serial;
  buffer held;
  v8::Global<v8::Value> view;
  /// A copy of `held`'s JSON handle that promethean.call lends to one call's argument message at
  /// a time and takes back after it (lend_handle / give_back_handles): copying the handle (eight
  /// members, strings and arrays: sixteen allocations) and freeing it again was half the cost of
  /// a handoff. Null while lent, and before the first call.
  nlohmann::json spare;
};

/// adopt(), also saying which weak_view the Buffer is remembered by (for a TypedArray; else null).
std::optional<buffer> adopt_viewed(v8::Isolate* isolate, v8::Local<v8::Value> value, weak_view*& viewed);

}  // namespace promethean::js
