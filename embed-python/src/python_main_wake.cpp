// Waking Python's main thread out of a blocking call in embedded mode (python_main_wake.hpp).
#include "python_main_wake.hpp"

#include <promethean/host/deadline.hpp>

#include <Python.h>

#include <pthread.h>

#include <chrono>
#include <csignal>

namespace promethean::python::main_wake {

namespace {
constexpr int k_signal = SIGURG;

// The wake-up's target. Written once by install(); `g_installed` changes under g_mutex, which the
// resends take instead of the GIL (below).
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;  // no destructor: resends may come at exit
bool g_installed = false;
pthread_t g_thread{};               ///< the main thread, for pthread_kill
unsigned long g_ident = 0;          ///< its Python ident
PyThreadState* g_tstate = nullptr;  ///< its thread state, which lives until finalisation

struct locked {
  locked() { ::pthread_mutex_lock(&g_mutex); }
  ~locked() { ::pthread_mutex_unlock(&g_mutex); }
  locked(const locked&) = delete;
  locked& operator=(const locked&) = delete;
};

bool installed() {
  locked lock;
  return g_installed;
}

/// Cleared when the main thread ends (an embedder may start Python on a thread that ends before
/// the host does): pthread_kill on a thread that is gone is undefined.
struct main_thread_guard {
  ~main_thread_guard() {
    locked lock;
    g_installed = false;
  }
};

// fork() keeps the mutex usable in the child; a child forked from another thread has no main
// thread to wake (CPython makes the forking thread its main one; this wake-up is not moved).
void before_fork() { ::pthread_mutex_lock(&g_mutex); }
void after_fork_in_parent() { ::pthread_mutex_unlock(&g_mutex); }
void after_fork_in_child() {
  if (!::pthread_equal(::pthread_self(), g_thread)) g_installed = false;
  ::pthread_mutex_unlock(&g_mutex);
}

/// A wake-up sent again, from the watchdog thread. The main thread looks at the tripped signals
/// after a system call returns EINTR, then gives the GIL up and blocks again: a wake-up that lands
/// between the two is lost until the next one. Sending it with the GIL held makes that likely
/// when the main thread just came back from another signal (a Ctrl-C delivered to it): the GIL
/// is taken exactly as that thread gives it up to block again. So it is sent again a little
/// later, without the GIL (the main thread is blocked by then), as python3 would get it from a
/// second Ctrl-C. The extra ones run the no-op handler, or interrupt host code (which retries).
void resend(void*) {
  locked lock;
  if (g_installed) ::pthread_kill(g_thread, k_signal);
}

void send_with_resends() {
  ::pthread_kill(g_thread, k_signal);
  const auto now = watchdog::clock::now();
  for (const auto after : {std::chrono::milliseconds(5), std::chrono::milliseconds(50)}) {
    watchdog::instance().arm(now + after, &resend, nullptr);
  }
}
}  // namespace

void install() {
  // The Python-level handler: a Python function, so that calling it goes through the eval loop,
  // which raises a pending asynchronous exception (a timeout's) on entry.
  PyObject* globals = PyDict_New();
  if (globals == nullptr) {
    PyErr_Print();
    return;
  }
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  // A timeout's traceback ends in this function: its file name says what it is.
  PyObject* code = Py_CompileString(
      "import _signal\n"
      "def promethean_wake_up(signum, frame):\n"
      "    'The host woke the main thread (Ctrl-C or a timeout): a pending timeout is raised here.'\n"
      "_signal.signal(_signal.SIGURG, promethean_wake_up)\n",
      "<promethean: the main thread woken from a blocking call>", Py_file_input);
  PyObject* done = code != nullptr ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  Py_DECREF(globals);
  if (done == nullptr) {
    PyErr_Print();  // no wake-up: interrupts and timeouts work as before, between bytecodes
    return;
  }
  Py_DECREF(done);
  thread_local main_thread_guard guard;
  static const bool registered = ::pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child) == 0;
  (void)registered;
  locked lock;
  g_thread = ::pthread_self();
  g_ident = PyThread_get_thread_ident();
  g_tstate = PyThreadState_Get();
  g_installed = true;
}

void uninstall() {
  locked lock;
  g_installed = false;
}

bool wake(unsigned long thread_ident) {
  if (!installed() || thread_ident != g_ident) return false;
  // With the GIL held the main thread is still: either it has a Python frame (running Python,
  // possibly away in another runtime called from it) or it is in host code between calls.
  PyFrameObject* frame = PyThreadState_GetFrame(g_tstate);
  if (frame == nullptr) return false;
  Py_DECREF(frame);
  send_with_resends();
  return true;
}

bool interrupt() {
  if (!installed()) return false;
  // Tripped from this thread, Python's SIGINT handler is recorded but the main thread does not
  // look at it until it takes the GIL back (or a signal reaches it): the wake-up is that signal.
  PyErr_SetInterruptEx(SIGINT);
  wake(g_ident);
  return true;
}

}  // namespace promethean::python::main_wake
