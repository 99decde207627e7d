# Types of the `promethean` module, for mypy, pyright and editors (PEP 561: py.typed beside it):
# the same API in the user's own python3 and inside `promethean run`. tests/python_api/check_stub.py
# keeps it equal to what the module defines. docs/PYTHON.md.
import builtins
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, TypeVar, final, overload

import numpy
import numpy.typing

__version__: str
__all__ = [
    "ForeignError",
    "ForeignFunction",
    "ForeignTraceback",
    "Pool",
    "TimeoutError",
    "alloc",
    "buffer_info",
    "call",
    "call_async",
    "copy",
    "eval",
    "eval_async",
    "export",
    "kw",
    "load",
    "on_message",
    "pool",
    "register_buffer_type",
    "register_view",
    "runtimes",
    "send_json",
    "view",
]

_F = TypeVar("_F", bound=Callable[..., Any])

# What another runtime gives back: JSON values (None, bool, int, float, str, list, dict), numpy
# arrays over shared memory, ForeignFunction for its functions. Not narrower than Any: each call's
# result depends on the code it runs.
_Result = Any

# A name for types only (the module has no such attribute): `info: "promethean._BufferInfo"`.
class _BufferInfo(TypedDict):
    """What buffer_info says of a buffer: its Buffer handle, plus where its bytes are."""

    _type: Literal["Buffer"]
    buffer_id: str
    format: str
    shape: list[int]
    strides: list[int]
    language: str
    """The runtime whose memory it is: "py", "js", "rust", or "host" (promethean.alloc)."""
    type: str | None
    """The registered buffer type (register_buffer_type), if any."""
    readonly: bool
    address: int
    """The address of its first byte: the same in every runtime that sees it (zero-copy)."""
    nbytes: int

class ForeignError(Exception):
    """An error raised in another runtime: .runtime, .type, .message and .trace say what and where."""

    runtime: str
    """The runtime it was raised in: "js", "rust", "sh", "meta", or "host"."""
    type: str
    """That runtime's name for it: "TypeError", "RustPanic", "Timeout", "AlreadyLoaded", …"""
    message: str
    trace: str
    """That runtime's own traceback (also this exception's __cause__, a ForeignTraceback)."""
    def __init__(self, runtime: str, type: str, message: str, trace: str = "") -> None: ...

class ForeignTraceback(Exception):
    """The other runtime's own traceback of a ForeignError, as its __cause__."""

class TimeoutError(builtins.TimeoutError):
    """Raised in Python code still running when its call's timeout passes."""

@final
class ForeignFunction:
    """A function of another runtime (JS, Rust, sh, meta), called with positional arguments."""

    @property
    def runtime(self) -> str: ...
    @property
    def __name__(self) -> str: ...
    @property
    def __qualname__(self) -> str: ...
    def __call__(self, *args: Any) -> _Result: ...

class kw(dict[str, Any]):
    """Keyword arguments for a call into another runtime, as its last argument."""

def eval(runtime: str, code: str, *, timeout: float | None = None) -> _Result:
    """Evaluate code in a runtime; returns its value. timeout=seconds stops it with a Timeout error."""

def call(runtime: str, function: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> _Result:
    """Call a function in a runtime; other keyword arguments go to the function."""

def call_async(
    runtime: str, function: str, *args: Any, timeout: float | None = None, cancel_signal: bool = False, **kwargs: Any
) -> Coroutine[Any, Any, _Result]:
    """Start a call now; a coroutine that awaits its result on the running loop."""

def eval_async(runtime: str, code: str, *, timeout: float | None = None) -> Coroutine[Any, Any, _Result]:
    """Evaluate code in a runtime; a coroutine of its value (a Promise or coroutine it gives is awaited)."""

@overload
def export(fn: _F, name: str | None = None) -> _F:
    """@export, or export(fn, "name"): fn, now callable from other runtimes by name."""

@overload
def export(fn: str) -> Callable[[_F], _F]:
    """@export("name")."""

@overload
def export(fn: None = None, name: str | None = None) -> Callable[[_F], _F]:
    """@export(name="name")."""

def load(runtime: str, path: str) -> None:
    """Load code or a plugin into a runtime (a .py or .js file, a Rust plugin by name or path)."""

def send_json(runtime: str, payload: Any, *, timeout: float | None = None) -> _Result:
    """Deliver a JSON message to a runtime's message handler; returns its reply."""

def on_message(fn: _F) -> _F:
    """Register the handler for JSON messages sent to py (fn(message) -> reply); returns fn."""

def alloc(
    shape: Sequence[int], format: str | None = None, type: str | None = None
) -> numpy.typing.NDArray[Any]:
    """A new zero-filled host buffer as a writable numpy array (format: the type's, else "float32")."""

def copy(x: numpy.typing.ArrayLike) -> numpy.typing.NDArray[Any]:
    """A writable, C-contiguous copy of x in a new host buffer, as a numpy array."""

def register_buffer_type(
    name: str, layout: Sequence[str], format: str | None = None, fixed: Mapping[str, int] = ...
) -> None:
    """Name a buffer layout: register_buffer_type("ImageRGB", ["height", "width", "channels"], "uint8", {"channels": 3})."""

def buffer_info(x: Any) -> _BufferInfo:
    """The Buffer handle of an array or any buffer-protocol object, plus its data address and nbytes."""

def register_view(type: str, name: str, fn: _F) -> _F:
    """Make fn(buffer) the view `name` of buffers of `type`; returns fn."""

def view(x: Any, name: str) -> _Result:
    """The named view of a buffer, computed by the runtime that registered it."""

def runtimes() -> dict[str, dict[str, Any]]:
    """The dispatch map: every runtime with its version and entries."""

class Pool:
    """n instances of one runtime, each in a worker process of its own (made by pool())."""
    def __init__(self, runtime: str, size: int, name: str = "pool") -> None: ...
    @property
    def runtime(self) -> str:
        """The runtime the instances are of ("py")."""
    @property
    def names(self) -> list[str]:
        """The instances' names, runtime@name.0 ... runtime@name.<size-1>."""
    def __len__(self) -> int: ...
    def eval(self, code: str, *, timeout: float | None = None) -> list[_Result]:
        """Evaluates code in every instance; their results."""
    def load(self, path: str) -> None:
        """Loads a file into every instance."""
    def call(self, function: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> _Result:
        """One call, in the next instance in turn."""
    def map(self, function: str, items: Iterable[Any], *, timeout: float | None = None) -> list[_Result]:
        """function(item) for each item, spread over the instances; results in order."""
    async def map_async(self, function: str, items: Iterable[Any], *, timeout: float | None = None) -> list[_Result]:
        """map() for asyncio."""

def pool(runtime: str, size: int, name: str = "pool") -> Pool:
    """size instances of runtime, named runtime@name.0 ... runtime@name.<size-1>, in processes of their own."""
