// Shared by the js tests: the process's Host (created in support/host_main.cpp) and small helpers.
#pragma once

#include <promethean/buffer/ledger.hpp>
#include <promethean/host/host.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <thread>

extern promethean::host* g_host;

inline promethean::host& the_host() { return *g_host; }

inline nlohmann::json js_eval(const std::string& code) { return the_host().eval("js", code).data.value(); }

/// A full, synchronous V8 garbage collection (gc() made reachable without --expose-gc at start).
inline void js_full_gc() {
  js_eval("(globalThis.__fullGc || (globalThis.__fullGc = (require('v8').setFlagsFromString('--expose-gc'), "
          "require('vm').runInNewContext('gc'))))(), null");
}

/// Collects and enters JS again until the ledger is back to `live_blocks`, for at most `budget`:
/// V8 frees dead backing stores in its collection's second pass, on a GC worker thread some time
/// after the collection, and their deleters only queue the release, which the next entry into JS
/// runs. The caller then checks the ledger itself.
inline void js_collect_until_live_blocks(std::int64_t live_blocks, std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (promethean::ledger::instance().counts().live_blocks != live_blocks &&
         std::chrono::steady_clock::now() < deadline) {
    js_full_gc();
    js_eval("null");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
