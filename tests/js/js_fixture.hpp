// Shared by the js tests: the process's Host (created in support/host_main.cpp) and small helpers.
#pragma once

#include <promethean/host/host.hpp>

#include <nlohmann/json.hpp>

extern promethean::host* g_host;

inline promethean::host& the_host() { return *g_host; }

inline nlohmann::json js_eval(const std::string& code) { return the_host().eval("js", code).data.value(); }

/// A full, synchronous V8 garbage collection (gc() made reachable without --expose-gc at start).
inline void js_full_gc() {
  js_eval("(globalThis.__fullGc || (globalThis.__fullGc = (require('v8').setFlagsFromString('--expose-gc'), "
          "require('vm').runInNewContext('gc'))))(), null");
}
