"""asyncio awaits a JS library's Promises, and JS awaits Python coroutines; no loop is blocked.

    promethean run examples/async_await.py      (or: python3 examples/async_await.py, pip-installed)
"""
import asyncio
import time

import promethean

# A Promise-returning function of a real JS library (Node's fs/promises), and one of our own.
promethean.eval("js", """
globalThis.fsp = require('node:fs/promises');
globalThis.later = (value, ms) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
""")


@promethean.export
async def py_double(x: int) -> int:
    await asyncio.sleep(0.1)  # runs on this program's own loop: JS awaits it
    return 2 * x


async def main() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    timer = asyncio.create_task(ticker())
    start = time.perf_counter()
    text = await promethean.call_async("js", "fsp.readFile", __file__, "utf8")
    values = await asyncio.gather(*(promethean.call_async("js", "later", i, 100) for i in range(1000)))
    doubled = await promethean.eval_async(
        "js", "Promise.all([1, 2, 3].map((x) => promethean.callAsync('py', 'py_double', x)))")
    timer.cancel()
    assert values == list(range(1000))
    print(f"read {len(text.splitlines())} lines; 1,000 Promises of 100 ms in {time.perf_counter() - start:.2f} s")
    print(f"JS awaited Python: {doubled}; the loop ticked {ticks} times meanwhile")


asyncio.run(main())
