# promethean.Pool and promethean.pool, run in the module's namespace when the module is made
# (python_pool.cpp). No imports here: they are made inside the methods that need them.
class Pool:
    """n instances of one runtime, each in a worker process of its own: CPU-bound Python in
    parallel, one GIL per process, with buffers shared rather than copied. Made by pool()."""

    def __init__(self, runtime, size, name="pool"):
        if not isinstance(runtime, str) or "@" in runtime or not runtime:
            raise TypeError("pool(runtime, size): runtime is a plain runtime name such as 'py', got %r" % (runtime,))
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError("pool(runtime, size): size is a whole number of processes >= 1, got %r" % (size,))
        self._runtime = runtime
        self._names = ["%s@%s.%d" % (runtime, name, i) for i in range(size)]
        import itertools, threading
        self._turn = itertools.count()
        self._lock = threading.Lock()

    @property
    def runtime(self):
        """The runtime the instances are of ("py")."""
        return self._runtime

    @property
    def names(self):
        """The instances' names, runtime@name.0 … runtime@name.<size-1>."""
        return list(self._names)

    def __repr__(self):
        return "<promethean.Pool of %d %s instances: %s>" % (len(self._names), self._runtime, ", ".join(self._names))

    def __len__(self):
        return len(self._names)

    def _each(self, work):
        # Every instance at once: the first use of each starts its process, and they start together.
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(len(self._names)) as threads:
            return list(threads.map(work, self._names))

    def eval(self, code, *, timeout=None):
        """Evaluates code in every instance (defines the functions calls will use); their results."""
        return self._each(lambda n: eval(n, code, timeout=timeout))

    def load(self, path):
        """Loads a file (a module, a plugin) into every instance."""
        self._each(lambda n: load(n, path))

    def call(self, function, *args, timeout=None, **kwargs):
        """One call, in the next instance in turn."""
        with self._lock:
            name = self._names[next(self._turn) % len(self._names)]
        return call(name, function, *args, timeout=timeout, **kwargs)

    def map(self, function, items, *, timeout=None):
        """function(item) for each item, spread over the instances (each takes the next item when it
        is free), results in the order of items. An item that is a tuple is the call's arguments."""
        items = list(items)
        results = [None] * len(items)
        import threading
        next_item = iter(range(len(items)))
        take = threading.Lock()
        failure = []

        def serve(name):
            while not failure:
                with take:
                    i = next(next_item, None)
                if i is None:
                    return
                args = items[i] if isinstance(items[i], tuple) else (items[i],)
                try:
                    results[i] = call(name, function, *args, timeout=timeout)
                except BaseException as e:
                    failure.append(e)
                    return

        workers = [threading.Thread(target=serve, args=(n,), name="promethean-pool-" + n)
                   for n in self._names[:max(1, min(len(self._names), len(items)))]]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        if failure:
            raise failure[0]
        return results

    async def map_async(self, function, items, *, timeout=None):
        """map() for asyncio: awaits every call, spread over the instances in turn."""
        import asyncio
        calls = []
        for i, item in enumerate(items):
            args = item if isinstance(item, tuple) else (item,)
            calls.append(call_async(self._names[i % len(self._names)], function, *args, timeout=timeout))
        return list(await asyncio.gather(*calls))


def pool(runtime, size, name="pool"):
    """A Pool of `size` instances of `runtime` ("py"), each in a worker process of its own, named
    runtime@name.0 … runtime@name.<size-1>. The processes start on first use and live until the
    program ends; pool() with the same runtime and name gives the same processes again."""
    return Pool(runtime, size, name)
