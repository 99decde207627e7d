// Private: the process-wide state of the embedded interpreter (there is only ever one).
#pragma once

#include <promethean/buffer/release_queue.hpp>

#include <pybind11/pybind11.h>

#include <pthread.h>

#include <atomic>
#include <string_view>
#include <unordered_map>
#include <string>
#include <thread>

namespace promethean {
class host;
}

namespace promethean::python {

struct python_state {
  host* owner = nullptr;             ///< the Host the promethean module routes through
  std::atomic<bool> alive{false};    ///< false before initialise and after finalize
  bool ever_started = false;         ///< CPython starts at most once per process
  release_queue releases;            ///< work that needs the GIL, pushed from any thread
  /// Python threads inside a call out of Python (the GIL given up, see without_gil.hpp): after
  /// finalisation the runtime waits for them to come back (and end) before the host goes on.
  std::atomic<int> threads_out{0};
  /// Python threads that gave the GIL up in without_gil and have not taken it back yet (unlike
  /// threads_out, this covers the wait for the GIL after the call): shutdown waits for none to be
  /// left before it finalises (interpreter::finalize).
  std::atomic<int> threads_to_return{0};
  /// Whether Python's main thread is away in a call out of Python (the hosted mode's SIGINT
  /// forwarding reads it in a signal handler: a lock-free atomic). `main_thread` is that thread's
  /// pthread id, set when the hosted mode starts, or an embedded Python program
  /// (python_signal_dispositions.hpp); zero otherwise: nothing counted.
  std::atomic<int> main_thread_away{0};
  pthread_t main_thread{};
  /// Set when that forwarding cancelled the calls in progress (Ctrl-C while the main thread was
  /// away); the main thread takes it when a call comes back cancelled (raise_foreign).
  std::atomic<bool> calls_cancelled_by_sigint{false};
  /// Set (with the GIL held) when the runtime starts shutting down: from then on only
  /// `closing_thread`, the one ending Python, may call out of Python (without_gil.hpp).
  std::atomic<bool> closing{false};
  /// Set just before Py_FinalizeEx (or when the user's Python finalises, in the hosted mode): from
  /// then on thread states are the interpreter's to free, and a thread that wakes in Python is
  /// ended by CPython as it takes the GIL back (its stack unwound through with_gil).
  std::atomic<bool> finalizing{false};
  std::thread::id closing_thread;  ///< written before `closing` is set, read after it is seen
  // The tables below hold Python objects: touch them only with the GIL held.
  // Hash tables with transparent lookup: every call looks its function up here, by a string_view.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using name_table = std::unordered_map<std::string, pybind11::object, name_hash, std::equal_to<>>;
  name_table exported;   ///< name → callable (export, py:fn)
  name_table callables;  ///< function id → callable handed out
  pybind11::object message_handler;                   ///< promethean.on_message(fn)
  pybind11::object async_support;  ///< the helpers of python_coroutines.cpp, made on first use
  pybind11::object keyword_arguments_type;  ///< promethean.kw (python_keyword_arguments.hpp)
};

python_state& state();

/// A Python object that C++ code on any thread holds (a hook, a continuation): its reference is
/// let go with the GIL, through the release queue, whichever thread drops the holder.
struct held_object {
  PyObject* object;
  explicit held_object(pybind11::handle o) : object(o.inc_ref().ptr()) {}
  ~held_object() {
    PyObject* o = object;
    state().releases.push([o] { Py_DECREF(o); });
  }
  held_object(const held_object&) = delete;
  held_object& operator=(const held_object&) = delete;
};

/// Runs the queued releases; the caller holds the GIL.
void drain_releases();

/// Gives the calling thread a Python thread state for its life if it has none (a thread Python
/// has never seen); the caller does not hold the GIL.
void ensure_thread_state();

}  // namespace promethean::python
