// Private: JS exceptions ↔ the promethean error family. The one place the js runtime converts.
//
// A JS exception leaving JS becomes js_error with the exception's name (`TypeError`), message and
// stack; a promethean.ForeignError passing back out keeps its original runtime, type and message,
// and its trace gains the JS stack below the foreign one. A promethean error entering JS becomes a
// thrown promethean.ForeignError with .runtime, .type, .message and .trace.
#pragma once

#include <promethean/error.hpp>

#include <v8.h>

#include <string>
#include <string_view>

namespace promethean::js {

/// Converts what `caught` holds (an exception, or termination by process.exit) and throws it.
[[noreturn]] void throw_from_js(v8::Isolate* isolate, v8::TryCatch& caught, std::string_view doing);

/// Throws the error for an exception value (also for rejected Promises, which have no TryCatch):
/// js_error for a JS exception, the original runtime's error for a ForeignError.
[[noreturn]] void throw_exception_value(v8::Isolate* isolate, v8::Local<v8::Value> exception);

/// Throws `e` into JS as a promethean.ForeignError (the caller returns to V8 right after).
void throw_into_js(v8::Isolate* isolate, const error& e);

/// Throws a plain JS TypeError with `message` (usage mistakes made from JS).
void throw_type_error(v8::Isolate* isolate, std::string_view message);

// Errors of values that cannot cross (the conversions): clear errors, never a crash.

/// When the engine stops: what ForeignErrors still held of their errors' origins is let go.
void free_error_origin_holders();

/// Throws js_error("TypeError", message).
[[noreturn]] void type_error(const std::string& message);

/// A V8 operation that input made fail (an empty Maybe): a clear error, never a fatal
/// ToLocalChecked. It fails when JS is being terminated (a timeout) or V8 ran out of room.
[[noreturn]] void v8_failed(v8::Isolate* isolate, const std::string& doing);

/// What a value is, for error messages: its constructor's name ("Map", "Point") or its typeof
/// ("symbol"); put an article before it with with_article() (promethean/article.hpp).
std::string describe_type(v8::Isolate* isolate, v8::Local<v8::Value> v);

}  // namespace promethean::js
