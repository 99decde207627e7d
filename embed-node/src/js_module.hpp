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

}  // namespace promethean::js
