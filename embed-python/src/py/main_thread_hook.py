# threading's MainThread made the main thread's when threading is first imported on another
# thread (python_main_thread.cpp). Run only then. CPython 3.11's threading: _MainThread is made at
# import for the importing thread, keyed by its ident in _active, its _tstate_lock that thread
# state's sentinel (released when the state is deleted), and listed in _shutdown_locks, which
# finalisation waits on after releasing MainThread's own.
def _stand_for_main_thread(threading, ident, native_id):
    import _thread
    main = threading._main_thread
    importer_lock = main._tstate_lock
    lock = _thread.allocate_lock()
    lock.acquire()  # released by threading._shutdown on the main thread, as the state's would be
    with threading._active_limbo_lock:
        threading._active.pop(main._ident, None)
        main._ident = ident
        main._native_id = native_id
        main._tstate_lock = lock
        threading._active[ident] = main
    with threading._shutdown_locks_lock:
        threading._shutdown_locks.discard(importer_lock)
        threading._shutdown_locks.add(lock)

def find_spec(name, ident, native_id):
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return spec
    run = spec.loader.exec_module
    def exec_module(module):
        run(module)
        _stand_for_main_thread(module, ident, native_id)
    spec.loader.exec_module = exec_module
    return spec
