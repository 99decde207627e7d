// Private: code as data, for macros, quasiquote and `meta` blocks.
//
// A form becomes a JSON value that round-trips back to the same form:
//   list (a b)     → a JSON array              ["…", …]
//   symbol foo     → {"_type": "Symbol", "name": "foo"}
//   array [a b]    → {"_type": "Array", "items": […]}
//   keyword :k     → the string ":k" (what a keyword evaluates to)
//   string, number, true/false/null → themselves
// Symbols are tagged rather than strings so that a string literal in a template stays a string.
// Going back, any other value (an object, a Buffer or Function handle) is spliced in by reference:
// the caller binds it to a fresh name and the code refers to that name, so buffers stay zero-copy.
#pragma once

#include "reader.hpp"

#include <promethean/host/message.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace promethean::meta {

/// The form as data.
nlohmann::json to_code_data(const node& form);

/// A symbol as data: {"_type": "Symbol", "name": name}.
nlohmann::json symbol_data(const std::string& name);

/// True when `value` is a symbol as data; `name` gets its name.
bool is_symbol_data(const nlohmann::json& value, std::string* name = nullptr);

/// Binds a value that has no literal syntax to a fresh name and returns that name.
using splice_binder = std::function<std::string(const message&)>;

/// The form that `value` (part of `whole`, whose buffers and functions it may hold) stands for.
/// Every node gets `where` (the macro call or template that made it) for error messages.
node from_code_data(const nlohmann::json& value, const message& whole, const source_location& where,
                    const splice_binder& bind);

}  // namespace promethean::meta
