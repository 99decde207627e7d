// Private: what the evaluator's files share (evaluator.cpp, and the forms by kind: core_forms.cpp,
// router_forms.cpp, async_forms.cpp, buffer_forms.cpp, control_forms.cpp, list_forms.cpp,
// string_forms.cpp): errors at a form, values made of parts, argument checks, truth, display and
// strings as code points.
#pragma once

#include "reader.hpp"

#include <promethean/host/message.hpp>
#include <promethean/host/runtime.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace promethean::meta::detail {

/// Throws a script_error of `type` at the form `at` (its file, line and column).
[[noreturn]] void fail(const node& at, const std::string& type, const std::string& message);

/// A value made of parts: the JSON, plus every buffer and function the parts hold.
message combine(nlohmann::json value, const std::vector<const message*>& parts);

/// A list of values, holding every buffer and function they hold.
message array_of(const std::vector<message>& items);

/// A key written as a keyword (`:name`) or a string, without the colon.
std::string key_of(const message& m, const node& at);

/// A MetaObject's data (holding the buffers and functions it holds); any other value as it is. Forms
/// that take a buffer see through a MetaObject, so (buffer.shape (eval-in "py" "…array…")) works.
message seen_through(const message& m);

/// (get obj key): an object member, an array element, or a buffer handle field. Of a MetaObject,
/// its own keys (_type, source, data) and otherwise its data's: answer.source, image.shape.
message get_in(const message& obj, const nlohmann::json& key, const node& at);

/// An ArityError unless the form `(form …)` at `n` got exactly `want` arguments.
void check_arity(const std::vector<message>& args, std::size_t want, const node& n, const char* form);

/// `:timeout seconds` ending a router form (`(call rt fn args… :timeout 2)`), taken off `args`,
/// as call options that also carry what is left of an enclosing call's deadline (router_forms.cpp).
call_options router_options(std::vector<message>& args, const node& n);

/// A call form's parts: (call rt "fn" args… :name value… :timeout seconds). Keywords written in the
/// form (not strings that arguments evaluated to) after the positional arguments are the
/// function's keyword arguments (promethean/host/keyword_arguments.hpp), except :timeout, the
/// call's time limit. `usage` is the ArityError's text (router_forms.cpp).
struct routed_call {
  std::string runtime;
  std::string function;
  message arguments;
  call_options options;
};
routed_call router_call(std::vector<message>& args, const node& n, const char* usage);

/// The runtime a router form names: a string, else a TypeError at `n`.
std::string runtime_name(const message& m, const node& n);

/// Falsy values are null, false, 0 and "" (core_forms.cpp).
bool truthy(const message& m);

/// How `print` and `str` show a value: strings as they are, everything else as JSON.
std::string display(const nlohmann::json& v);

/// The element `item` of the list `list` as a value that holds the list's buffers and functions.
message item_of(const message& list, const nlohmann::json& item);

/// Strings count characters (code points), not bytes (string_forms.cpp): the number of code
/// points of UTF-8 text, and the code points [start, end) of it (clamped to the text).
std::size_t utf8_length(const std::string& s);
std::string utf8_slice(const std::string& s, std::size_t start, std::size_t end);

}  // namespace promethean::meta::detail
