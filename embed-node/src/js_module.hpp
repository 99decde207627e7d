// Private: the native half of the `promethean` JS module (DESIGN.md's JS API).
#pragma once

#include <v8.h>

#include <filesystem>

namespace promethean::js {

/// Makes the native functions and hands them to the bootstrap's install(), which builds the
/// module, `require('promethean')` and `globalThis.promethean`. Code the host evaluates resolves
/// `require` from `main_script`'s folder (host::main_script), or from the working directory
/// when it is empty. `hosted`: the running node was adopted (its process.execPath stays).
void install_module(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> bridge,
                    const std::filesystem::path& main_script, bool hosted);

/// How many of the module's native functions (promethean.call, …) this thread is inside: JS that
/// runs while it is not 0 runs under one of them (a getter read while converting an argument).
int module_functions_here() noexcept;

}  // namespace promethean::js
