/// Runtime modules: a runtime that lives in a shared object of its own, loaded when it first starts.
///
/// An engine-bound runtime (py links libpython, js links libnode) is built as a module beside
/// libpromethean, so that a process loads an engine only when it uses that runtime: a Host whose
/// scripts use sh and meta maps neither libpython nor libnode. A module exports one C symbol,
/// `promethean_runtime_module_<name>`, returning its descriptor (PROMETHEAN_RUNTIME_MODULE below);
/// module_runtime_factory(name) makes a factory that finds the file, loads it with RTLD_GLOBAL (the
/// engine's own extensions, numpy's or a Node addon's, resolve the engine's symbols globally) and
/// calls the descriptor's `make`. A module is never unloaded: an engine cannot be restarted.
///
/// The search, first match wins: each directory of $PROMETHEAN_RUNTIME_PATH (':'-separated), then
/// <dir of libpromethean>/promethean/runtimes (an installed prefix), then <dir>/runtimes (the
/// build tree). The file is `promethean_<name>.so`.
///
/// Modules and libpromethean are one build: the descriptor carries the build's version, and a
/// module of another version is refused (the C++ types they share have no stable ABI).
#pragma once

#include <promethean/config.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/search_path.hpp>  // core_library_directory(), for the modules

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace promethean {

/// What a runtime module's entry symbol returns. Static storage; never freed.
struct runtime_module_descriptor {
  std::uint32_t struct_size;  // sizeof(runtime_module_descriptor) of the module
  const char* version;        // PROMETHEAN_VERSION_STRING of the module's build
  const char* name;           // the runtime's name: "py", "js"
  std::unique_ptr<runtime> (*make)(host&);
};

/// A factory for the runtime `name` that loads its module on first start; a missing or broken
/// module is a usage_error naming the file, the directories searched and the loader's message.
PROMETHEAN_API runtime_factory module_runtime_factory(std::string name);

}  // namespace promethean

/// Defines the entry symbol of the runtime module `name` (an identifier: py, js) whose runtime
/// `make_fn(host&)` makes. One per module.
#define PROMETHEAN_RUNTIME_MODULE(name, make_fn)                                                               \
  extern "C" PROMETHEAN_API const ::promethean::runtime_module_descriptor* promethean_runtime_module_##name() { \
    static const ::promethean::runtime_module_descriptor descriptor{                                           \
        sizeof(::promethean::runtime_module_descriptor), PROMETHEAN_VERSION_STRING, #name, make_fn};            \
    return &descriptor;                                                                                        \
  }
