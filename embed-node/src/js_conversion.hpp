// Private: JS values ↔ messages, with zero-copy buffers both ways. Every function here runs
// inside an `entered` scope.
//
// JS → message: undefined and null → null; booleans; numbers (integral values up to 2^53 as
// integers, others as doubles; NaN and ±Infinity are a TypeError: JSON cannot spell them); BigInt
// (int64, or uint64 above it; larger is a TypeError); strings; arrays; plain objects (prototype
// Object.prototype or null; own enumerable string keys); objects with a toJSON method (Date) as
// what it returns; ArrayBuffer, SharedArrayBuffer, every TypedArray, DataView and Node's Buffer as
// a Buffer over the same memory (it holds V8's backing store); functions as Function handles.
// Anything else (Map, Set, class instances, symbols) is a TypeError naming its type.
//
// message → JS: JSON values as the matching JS types (integers outside ±2^53 as BigInt, so that
// no digit is lost); a Buffer handle as a TypedArray of its dtype over the same memory; a Function
// handle as a JS function that routes to its runtime (or the original JS function). Both are the
// very buffer and function the message holds, taken by position (message::cursor), never looked up
// by id.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/host/callable.hpp>
#include <promethean/host/message.hpp>

#include <v8.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace promethean::js {

message to_message(v8::Isolate* isolate, v8::Local<v8::Value> value);

struct weak_view;  // what a TypedArray that crossed knows of its Buffer (js_typed_array.hpp)

/// A Buffer handle in a call's argument message that a TypedArray's weak_view lent (its element
/// `index` of the argument array), to be given back after the call.
struct lent_handle {
  std::size_t index;
  weak_view* from;
};

/// info[first..] as a JSON array message (call arguments). With `lent` (promethean.call, whose
/// message lives for that one call): a TypedArray argument that crossed before lends the JSON
/// handle of its Buffer (a copy it keeps) instead of a new copy being made, recorded in `lent`.
/// Give the handles back with give_back_handles(args, *lent) when the call is over (under the
/// isolate lock, the TypedArrays still in the arguments, so their weak_views alive); a handle not
/// given back (the call threw) is simply copied anew next time.
message arguments_to_message(v8::Isolate* isolate, const v8::FunctionCallbackInfo<v8::Value>& info, int first,
                             std::vector<lent_handle>* lent = nullptr);
void give_back_handles(message& args, std::vector<lent_handle>& lent) noexcept;

/// info[first..] as typed arguments (argument.hpp), when each is null, undefined (null, as in
/// JSON), a boolean, a finite number (an integer up to 2^53 as an integer, as the JSON path makes
/// it), a string or a TypedArray (its Buffer, adopted into buffers[i] as the JSON path adopts it),
/// and there are at most out.size(): no JSON array is then made for the call, nor read by its
/// receiver (runtime::call_typed). A string's UTF-8 goes in text[i], which the argument borrows.
/// False for anything else (the JSON path converts it, and reports what cannot cross); `out`,
/// `text` and `buffers` are then partly filled.
bool typed_arguments(v8::Isolate* isolate, const v8::FunctionCallbackInfo<v8::Value>& info, int first,
                     std::span<argument> out, std::span<std::string> text, std::span<buffer> buffers);

v8::Local<v8::Value> from_message(v8::Isolate* isolate, const message& m);
/// promethean.kw(values): a frozen, prototype-less copy of `values`' own enumerable properties,
/// marked (a private key) so that it crosses as keyword arguments
/// (promethean/host/keyword_arguments.hpp); valid as a call's last argument only.
v8::Local<v8::Object> keyword_arguments(v8::Isolate* isolate, v8::Local<v8::Object> values);
/// One JSON value of a message (an element of its argument array, say) as JS, its handles taking
/// the message's buffers and functions from `at`: convert the values in walk order (the elements
/// of an array by index), with one cursor for the whole message.
v8::Local<v8::Value> from_message_value(v8::Isolate* isolate, const nlohmann::json& value, message::cursor& at);

/// A typed argument (host.resolve's callables) as the JS value its JSON form would give.
v8::Local<v8::Value> from_argument(v8::Isolate* isolate, const argument& a);

/// An ArrayBuffer, SharedArrayBuffer or view as a Buffer over the same memory; nullopt for
/// anything else. A TypedArray made by `to_typed_array` for a Buffer gives that Buffer back.
std::optional<buffer> adopt(v8::Isolate* isolate, v8::Local<v8::Value> value);

/// A TypedArray of `b`'s dtype over its memory: one external backing store per Buffer, reused on
/// every later crossing while JS holds it. Throws buffer_error for read-only or non-contiguous
/// buffers (JS has no read-only or strided TypedArrays).
v8::Local<v8::Value> to_typed_array(v8::Isolate* isolate, const buffer& b);

/// Forgets the TypedArrays remembered per Buffer (at shutdown, before the isolate goes).
void free_weak_views();
/// The Node-hosted mode's end, under the lock: every ArrayBuffer JS was given over another
/// runtime's memory is detached (its TypedArrays read as empty), so that the memory goes back to
/// its owner now; node never disposes its isolate, which is what frees them in the embedded mode.
void detach_lent_memory(v8::Isolate* isolate);

/// Frees the wrappers of foreign functions still alive (at shutdown, before the isolate goes).
void free_foreign_functions();

}  // namespace promethean::js
