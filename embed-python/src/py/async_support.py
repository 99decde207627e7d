# The loop side of async calls, in Python: asyncio's own thread-safe scheduling does the work
# (python_coroutines.cpp).
import asyncio, functools, inspect, selectors, threading

main_loop = None   # the loop last seen running on the main thread
own_loop = None    # Promethean's loop, on its daemon thread, made on first use
own_eager = None   # the parts of own_loop that an eager start uses (python_eager_start.hpp)
own_lock = threading.Lock()

def running_loop_of_main_thread():
    if threading.current_thread() is not threading.main_thread():
        return None
    loop = asyncio._get_running_loop()
    return None if loop is own_loop else loop  # own_loop: an eager first step on this thread

class _IdleWatchingSelector(selectors.DefaultSelector):
    """The selector of Promethean's loop. `waiting` is true while the loop's thread waits for I/O
    or a timer: the loop is then between two rounds, each of its tasks suspended at an await. A
    thread that holds the GIL and `gate` may then run a new task's first step itself
    (python_eager_start.hpp); the loop's thread, woken meanwhile, waits for the gate before it
    runs anything."""
    def __init__(self):
        super().__init__()
        self.waiting = False
        self.gate = threading.Lock()

    def select(self, timeout=None):
        self.waiting = True
        try:
            return super().select(timeout)
        finally:
            with self.gate:
                self.waiting = False

def _own():
    global own_loop, own_eager
    with own_lock:
        if own_loop is None or own_loop.is_closed():
            loop = asyncio.SelectorEventLoop(_IdleWatchingSelector())
            started = threading.Event()
            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()
            threading.Thread(target=run, name="promethean-asyncio", daemon=True).start()
            started.wait()
            own_loop = loop
            # What python_eager_start.cpp uses, in its order.
            own_eager = (loop, loop._selector, loop._selector.gate.acquire, loop._selector.gate.release,
                         loop._ready, loop._ready.pop, loop._scheduled, loop._write_to_self, asyncio.Task,
                         asyncio._get_running_loop, asyncio._set_running_loop, asyncio.current_task,
                         ("loop", "name"), "waiting", "_debug", "_context", "_callback", "done")
        return own_loop

def stop_own_loop():
    loop = own_loop
    if loop is not None and not loop.is_closed():
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass

class _Start:
    """Starts a coroutine as a task of its loop (on the loop's thread), and cancels it from any."""
    __slots__ = ("loop", "coroutine", "settle", "name", "task", "cancelled")

    def __init__(self, loop, coroutine, settle, name):
        self.loop, self.coroutine, self.settle, self.name = loop, coroutine, settle, name
        self.task, self.cancelled = None, False

    def __call__(self):
        # Named as an eagerly started task is, whichever way it started.
        self.task = task = self.loop.create_task(self.coroutine, name=self.name)
        self.coroutine = None
        task.add_done_callback(self.settle)
        if self.cancelled:
            task.cancel()

    def cancel(self):
        self.cancelled = True
        task = self.task
        if task is not None:
            self.loop.call_soon_threadsafe(task.cancel)

def cancel_of(task):
    return functools.partial(task.get_loop().call_soon_threadsafe, task.cancel)

def run(awaitable, settle, main_loop_free, name):
    """Runs awaitable on the main thread's running loop (when free: its thread is not waiting in a
    blocking call), else on Promethean's, from the loop's thread; settle(task) when it ends (on
    the loop's thread). Returns the function that cancels it."""
    loop = main_loop
    if loop is None or not main_loop_free or loop.is_closed() or not loop.is_running():
        loop = _own()
    coroutine = awaitable if asyncio.iscoroutine(awaitable) else _awaited(awaitable)
    start = _Start(loop, coroutine, settle, name)
    if asyncio._get_running_loop() is loop:
        start()  # already on the loop's thread: no wake-up needed
    else:
        loop.call_soon_threadsafe(start)
    return start.cancel

async def _awaited(awaitable):
    # run_coroutine_threadsafe takes coroutines only: another awaitable (a Future) is awaited here.
    return await awaitable

def settle_threadsafe(loop, future, ok, value):
    """Hands a call's outcome to the loop awaiting it (promethean.call_async's future)."""
    try:
        loop.call_soon_threadsafe(_settle, future, ok, value)
    except RuntimeError:
        pass  # the loop is closed: nobody awaits any more

def _settle(future, ok, value):
    if not future.done():
        (future.set_result if ok else future.set_exception)(value)

def is_coroutine_function(fn):
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))
