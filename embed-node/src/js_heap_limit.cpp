// A JS call that runs past the heap limit ends alone, with an OutOfMemory error (js_heap_limit.hpp).
#include "js_heap_limit.hpp"

#include "js_engine.hpp"
#include "js_thread_state.hpp"

#include <promethean/error.hpp>

#include <algorithm>
#include <iostream>
#include <atomic>
#include <string>

namespace promethean::js {
namespace {
constexpr std::size_t k_mib = std::size_t{1} << 20;
/// How many times the limit is raised before V8 reaches the termination; past that (V8 kept
/// allocating in one native step, a huge JSON.parse say) V8 fails as it would in Node.
constexpr int k_max_raises = 8;

struct heap_limit_state {
  std::size_t configured_mb = 0;
  std::atomic<std::size_t> initial{0};  ///< V8's initial old-generation limit, bytes
  std::atomic<bool> hit{false};         ///< JS was terminated for the limit and not yet recovered
  std::atomic<bool> ended_in_callback{false};  ///< a loop callback reached it: JS was ended
  std::atomic<int> raises{0};
  v8::Isolate* isolate = nullptr;
};

heap_limit_state& state() {
  static auto* s = new heap_limit_state();  // read by V8's callbacks until the process ends
  return *s;
}

/// V8, near the limit (during a collection, on the thread that allocates, under the lock).
std::size_t near_heap_limit(void*, std::size_t current, std::size_t initial) {
  auto& s = state();
  s.initial.store(initial);
  if (s.raises.load() >= k_max_raises) return current;
  s.raises.fetch_add(1);
  if (t_js_thread.turn_depth >= 0 && t_js_thread.turn_depth == t_js_thread.entered_depth) {
    if (!s.ended_in_callback.exchange(true)) node::Stop(engine::get().env);  // terminates JS too
  } else if (!s.hit.exchange(true)) {
    s.isolate->TerminateExecution();
  }
  return current + std::max(initial / 2, 16 * k_mib);
}
}  // namespace

void set_heap_limit(std::size_t megabytes) {
  state().configured_mb = megabytes;
  if (megabytes == 0) return;
  const std::string flag = "--max-old-space-size=" + std::to_string(megabytes);
  v8::V8::SetFlagsFromString(flag.c_str(), flag.size());
}

void watch_heap_limit(v8::Isolate* isolate) {
  state().isolate = isolate;
  isolate->AddNearHeapLimitCallback(near_heap_limit, nullptr);
}

bool recover_from_heap_limit(v8::Isolate* isolate) {
  auto& s = state();
  if (!s.hit.load()) return false;
  isolate->CancelTerminateExecution();
  // What the stopped call built and no longer reaches goes now, before the limit comes back down
  // (V8 keeps it above what is still live, by a quarter).
  isolate->LowMemoryNotification();
  isolate->RemoveNearHeapLimitCallback(near_heap_limit, s.initial.load());
  isolate->AddNearHeapLimitCallback(near_heap_limit, nullptr);
  s.raises.store(0);
  s.hit.store(false);
  return true;
}

void throw_heap_limit_error(std::string_view doing) {
  const std::size_t mb = state().configured_mb != 0 ? state().configured_mb : state().initial.load() / k_mib;
  throw js_error("OutOfMemory", "JS ran out of memory while " + std::string(doing) +
                                    ": the heap reached its limit of " + std::to_string(mb) +
                                    " MiB (--js-heap-limit MB, host_options::js_heap_limit_mb); the call was "
                                    "stopped and JS goes on");
}

bool inside_loop_turn() noexcept { return t_js_thread.turn_depth >= 0; }

loop_turn::loop_turn() : m_outer(t_js_thread.turn_depth) { t_js_thread.turn_depth = t_js_thread.entered_depth; }

loop_turn::~loop_turn() { t_js_thread.turn_depth = m_outer; }

bool report_heap_limit_in_callback(v8::Isolate* isolate) {
  auto& s = state();
  if (!s.ended_in_callback.exchange(false)) return false;
  auto& g = engine::get();
  if (!g.exit_code) g.exit_code = 134;
  s.raises.store(0);
  (void)isolate;
  std::cerr << "promethean: js: an event-loop callback ran out of memory: the heap reached its limit of "
            << (s.configured_mb != 0 ? s.configured_mb : s.initial.load() / k_mib)
            << " MiB; JS is ended, as Node ends its process (--js-heap-limit MB raises the limit)\n";
  return true;
}

}  // namespace promethean::js
