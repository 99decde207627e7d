"""The promethean stub's types, as mypy --strict reads them (tests/python_api/CMakeLists.txt): what
each function gives (assert_type fails the check when a type changes) and what it refuses (each
refused call carries a `type: ignore` of the expected error, and --strict's warn_unused_ignores
fails the check when the stub stops refusing it). Also run, in both modes, so that every typed
use here is a real one.
"""
import asyncio
from collections.abc import Coroutine
from typing import Any, assert_type

import numpy as np
import numpy.typing as npt

import promethean

image = promethean.alloc([2, 3], "uint8")
assert_type(image, npt.NDArray[Any])
info = promethean.buffer_info(image)
assert_type(info["address"], int)
assert_type(info["shape"], list[int])
assert_type(info["type"], str | None)
assert_type(info["readonly"], bool)
assert info["address"] == image.ctypes.data and info["nbytes"] == 6 and info["language"] == "host"
assert_type(promethean.copy(np.arange(3)), npt.NDArray[Any])
assert_type(promethean.runtimes(), dict[str, dict[str, Any]])
assert_type(promethean.__version__, str)


@promethean.export
def double(x: int) -> int:
    return 2 * x


@promethean.export("triple")
def three_times(x: int) -> int:
    return 3 * x


@promethean.export(name="quadruple")
def four_times(x: int) -> int:
    return 4 * x


@promethean.on_message
def reply(message: dict[str, Any]) -> str:
    return str(message["n"])


assert_type(double(1), int)  # the decorators keep the function's own type
assert_type(three_times(1), int)
assert_type(four_times(1), int)
assert promethean.call("py", "triple", 2) == 6 and promethean.call("py", "quadruple", 2) == 8
assert promethean.send_json("py", {"n": 5}) == "5"
assert promethean.call("py", "sorted", [3, 1, 2], promethean.kw(reverse=True)) == [3, 2, 1]
assert promethean.call("py", "sorted", [3, 1, 2], reverse=True, timeout=10) == [3, 2, 1]

js_add = promethean.eval("js", "(a, b) => a + b")
assert isinstance(js_add, promethean.ForeignFunction) and js_add.runtime == "js" and js_add(2, 3) == 5

promethean.register_buffer_type("TypingGray", ["height", "width"], "uint8", {})


def total(a: npt.NDArray[Any]) -> int:
    return int(a.sum())


view_fn = promethean.register_view("TypingGray", "total", total)
gray = promethean.alloc([2, 2], type="TypingGray")
gray[...] = 1
assert promethean.view(gray, "total") == 4 and assert_type(view_fn(gray), int) == 4

try:
    promethean.eval("js", "throw new TypeError('typed')")
except promethean.ForeignError as e:
    assert_type(e.runtime, str)
    assert_type(e.trace, str)
    assert (e.runtime, e.type, e.message) == ("js", "TypeError", "typed")


async def awaited() -> None:
    pending = assert_type(promethean.call_async("js", "Math.max", 1, 7, timeout=10), Coroutine[Any, Any, Any])
    assert await pending == 7
    assert await promethean.eval_async("js", "Promise.resolve(8)") == 8


asyncio.run(awaited())


def refused() -> None:
    """Never called: calls the stub refuses, each with the error mypy must report."""
    promethean.alloc(3)  # type: ignore[arg-type]
    promethean.eval("js", "1", timeout="soon")  # type: ignore[arg-type]
    promethean.eval("js", "1", 5)  # type: ignore[misc]
    promethean.load("rust")  # type: ignore[call-arg]
    n: str = promethean.buffer_info(image)["nbytes"]  # type: ignore[assignment]
    promethean.buffer_info(image)["no_such_key"]  # type: ignore[typeddict-item]
    t: int = promethean.ForeignError("js", "E", "m").type  # type: ignore[assignment]
    print(n, t)


print("typing_checks: ok")
