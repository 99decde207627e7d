# Promethean from Python: run it with  promethean run examples/hello.py
# Python calls the shell, shares a numpy array with the host without copying it, and reads the
# runtime dispatch map.
import numpy as np
import numpy.typing as npt
import promethean

print("runtimes:", ", ".join(f"{name} {info['version']}" for name, info in promethean.runtimes().items()))

# A call into another runtime; its errors arrive as promethean.ForeignError.
kernel = promethean.eval("sh", "uname -sr")["stdout"].strip()
print("sh says:", kernel)
try:
    promethean.call("sh", "false")
except promethean.ForeignError as e:
    print(f"sh failed as expected: {e.runtime} {e.type}: {e.message}")

# A typed buffer allocated by the host, seen here as a numpy array over the same memory.
promethean.register_buffer_type("ImageRGB", ["height", "width", "channels"], "uint8", {"channels": 3})
image = promethean.alloc([4, 6, 3], type="ImageRGB")
image[..., 0] = 255  # paint it red, in place
info = promethean.buffer_info(image)
print(f"buffer {info['buffer_id']}: {info['type']} {info['format']} {info['shape']} owned by {info['language']},"
      f" data at {hex(image.ctypes.data)}")

# Any Python function can be exported and called by name from the other runtimes.
@promethean.export
def mean_red(img: npt.NDArray[np.uint8]) -> float:
    return float(img[..., 0].mean())

print("mean red through the host:", promethean.call("py", "mean_red", image))
