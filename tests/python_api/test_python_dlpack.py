"""DLPack and the array interface (issue 22 items 1 and 2): torch tensors and __array_interface__
holders cross into every runtime without a copy, and every buffer that reaches Python can be taken
by torch.from_dlpack and numpy.from_dlpack without one. Runs inside `promethean run` and inside
Debian's python3 (the hosted mode), with Debian's python3-torch (tests/python_api/CMakeLists.txt registers both).
"""

import ctypes
import gc
import os
import time
import unittest
import weakref

import numpy as np
import torch

import promethean

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

promethean.eval("js", """
globalThis.dlKept = null;
promethean.export('dlWriteFirst', (a, v) => { a[0] = v; return promethean.bufferInfo(a).address; });
promethean.export('dlKeep', (a) => { dlKept = a; return a.length; });
promethean.export('dlDrop', () => { dlKept = null; return null; });
promethean.export('dlPair', (a, b) => [a.length, a[0], b.length, b[0], a.buffer === b.buffer]);
promethean.export('dlCollect', () => { require('vm').runInNewContext('gc')(); return null; });
promethean.export('dlMakeFloats', (n) => Float64Array.from({length: n}, (_, i) => i * 0.5));
""")
promethean.eval("js", "require('v8').setFlagsFromString('--expose-gc')")
promethean.load("rust", "imageops")


@promethean.export
def dl_seen(a):
    return [a.__array_interface__["data"][0], a.tolist()]


@promethean.export
def dl_set(a, index, value):
    a[tuple(index)] = value


@promethean.export
def dl_same(a):
    return a


def collect_until(dead, seconds=5.0):
    """Collects in JS and Python until `dead()` holds: V8 frees a dead ArrayBuffer's memory on a
    later pass, and the release it queues for Python runs on the way back from a call out."""
    end = time.monotonic() + seconds
    while not dead() and time.monotonic() < end:
        promethean.call("js", "dlCollect")
        gc.collect()
        time.sleep(0.01)
    return dead()


# ---- a DLPack producer written with ctypes: any device, any dtype, its deleter's calls counted ----

class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DELETER = ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))
DLManagedTensor._fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", DELETER)]

_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class CountingProducer:
    """An object whose __dlpack__ hands out a DLManagedTensor over a numpy array, on `device`."""

    def __init__(self, values, device_type=1, code=None, bits=None):
        self.values = values
        self.deleted = 0
        self._shape = (ctypes.c_int64 * values.ndim)(*values.shape)
        self._strides = (ctypes.c_int64 * values.ndim)(*(s // values.itemsize for s in values.strides))
        self._deleter = DELETER(self._delete)  # kept: ctypes frees the thunk with its object
        kind = {"i": 0, "u": 1, "f": 2}[values.dtype.kind]
        self._managed = DLManagedTensor(
            DLTensor(values.ctypes.data, DLDevice(device_type, 0), values.ndim,
                     DLDataType(kind if code is None else code, values.itemsize * 8 if bits is None else bits, 1),
                     self._shape, self._strides, 0),
            None, self._deleter)

    def _delete(self, managed):
        self.deleted += 1

    def __dlpack__(self, stream=None):
        return _capsule_new(ctypes.addressof(self._managed), b"dltensor", None)

    def __dlpack_device__(self):
        return (self._managed.dl_tensor.device.device_type, 0)


class TorchIntoEveryRuntime(unittest.TestCase):
    def test_a_tensor_is_the_same_memory_in_js(self):
        t = torch.arange(12, dtype=torch.float32)
        address = promethean.call("js", "dlWriteFirst", t, 42.5)
        self.assertEqual(address, t.data_ptr())
        self.assertEqual(t[0].item(), 42.5)
        info = promethean.buffer_info(t)
        self.assertEqual((info["format"], info["shape"], info["address"]), ("float32", [12], t.data_ptr()))

    def test_a_tensor_is_the_same_memory_in_rust(self):
        t = torch.tensor([0, 10, 200, 255], dtype=torch.uint8)
        self.assertEqual(promethean.call("rust", "imageops.address", t), t.data_ptr())
        promethean.call("rust", "imageops.invert", t)
        self.assertEqual(t.tolist(), [255, 245, 55, 0])

    def test_strided_and_sliced_tensors_keep_their_layout(self):
        base = torch.arange(24, dtype=torch.int64).reshape(4, 6)
        for t in (base[1:, ::2], base.t(), base[:, 3]):
            info = promethean.buffer_info(t)
            self.assertEqual(info["address"], t.data_ptr())
            self.assertEqual(info["shape"], list(t.shape))
            self.assertEqual(info["strides"], [s * 8 for s in t.stride()])
            # Python again, through the host: a numpy array over the same elements.
            seen = promethean.call("py", "dl_seen", t)
            self.assertEqual(seen, [t.data_ptr(), t.tolist()])
        view = base[1:, ::2]
        promethean.call("py", "dl_set", view, [0, 1], -7)
        self.assertEqual(base[1, 2].item(), -7)
        with self.assertRaises(promethean.ForeignError) as caught:
            promethean.call("js", "dlKeep", view)
        self.assertIn("strided", str(caught.exception))

    def test_a_tensor_lives_while_js_holds_it_and_goes_once_js_drops_it(self):
        t = torch.arange(1 << 16, dtype=torch.float64)
        alive = weakref.ref(t)
        self.assertEqual(promethean.call("js", "dlKeep", t), 1 << 16)
        del t
        gc.collect()
        self.assertIsNotNone(alive(), "the buffer JS holds keeps the tensor")
        promethean.call("js", "dlDrop")
        self.assertTrue(collect_until(lambda: alive() is None), "JS let go, yet the tensor lives")

    def test_the_same_tensor_crosses_as_the_same_buffer_until_it_changes(self):
        t = torch.zeros(8, dtype=torch.float32)
        promethean.call("js", "dlKeep", t)
        first = promethean.buffer_info(t)["buffer_id"]
        self.assertEqual(promethean.buffer_info(t)["buffer_id"], first)
        t.set_(torch.ones(4, dtype=torch.float32))  # changed in place: another memory, another buffer
        again = promethean.buffer_info(t)
        self.assertNotEqual(again["buffer_id"], first)
        self.assertEqual((again["shape"], again["address"]), ([4], t.data_ptr()))
        promethean.call("js", "dlDrop")

    def test_a_call_sees_the_tensor_as_it_is_now_call_after_call(self):
        # promethean.call lends the handle the tensor's cache entry keeps: renamed when the tensor
        # crosses as another buffer, not lent twice when one call names the tensor twice.
        # A dict argument sends the call the JSON way (lent handles); without one, it goes typed.
        t = torch.arange(6, dtype=torch.float32)
        for extra in ([], [{"json": True}], [], [{"json": True}]):
            self.assertEqual(promethean.call("js", "dlPair", t, t, *extra), [6, 0.0, 6, 0.0, True])
        t.set_(torch.full((3,), 7.0))  # another memory and shape: another buffer, its own handle
        for extra in ([], [{"json": True}]):
            self.assertEqual(promethean.call("js", "dlPair", t, t[1:], *extra), [3, 7.0, 2, 7.0, False])
            self.assertEqual(promethean.call("js", "dlPair", t, t, *extra), [3, 7.0, 3, 7.0, True])
        t[0] = -1.0
        self.assertEqual(promethean.call("js", "dlPair", torch.zeros(2), t), [2, 0.0, 3, -1.0, False])
        self.assertEqual(promethean.call("rust", "imageops.address", t.view(torch.uint8)), t.data_ptr())

    def test_a_tensor_is_exported_once_while_it_keeps_its_memory(self):
        # Rust keeps no Buffer: each call's Buffer is gone by the next one, which is made again from
        # what the tensor's cache entry keeps, not from a new __dlpack__ (torch's ~3 µs).
        class Counting(torch.Tensor):
            exports = 0

            def __dlpack__(self, stream=None):
                type(self).exports += 1
                return super().__dlpack__(stream)

        t = torch.arange(4, dtype=torch.uint8).as_subclass(Counting)
        for _ in range(3):
            self.assertEqual(promethean.call("rust", "imageops.address", t), t.data_ptr())
        self.assertEqual(Counting.exports, 1)
        promethean.call("rust", "imageops.invert", t)
        self.assertEqual(t.tolist(), [255, 254, 253, 252])
        self.assertEqual(Counting.exports, 1)
        t.set_(torch.zeros(5, dtype=torch.uint8))  # another memory: exported again
        self.assertEqual(promethean.call("rust", "imageops.address", t), t.data_ptr())
        self.assertEqual(promethean.buffer_info(t)["shape"], [5])
        self.assertEqual(Counting.exports, 2)

    def test_what_a_tensor_crossed_with_is_kept_only_while_it_names_it(self):
        values = np.arange(4, dtype=np.uint8)
        values_alive = weakref.ref(values)
        t = torch.from_numpy(values)
        del values
        for _ in range(2):
            self.assertEqual(promethean.call("rust", "imageops.address", t), t.data_ptr())
        t.set_(torch.zeros(5, dtype=torch.uint8))
        promethean.call("rust", "imageops.address", t)
        # The last Buffer over the old memory was let go by Rust without the GIL: its release is
        # queued for Python (collect_until runs it).
        self.assertTrue(collect_until(lambda: values_alive() is None),
                        "the memory the tensor no longer names is kept after it crossed again")
        alive = weakref.ref(t)
        del t
        self.assertTrue(collect_until(lambda: alive() is None), "the cache keeps the tensor alive")

    def test_dtypes_no_runtime_can_view_are_refused_by_name(self):
        cases = {torch.bool: "bool", torch.float16: "float16", torch.bfloat16: "bfloat16", torch.complex64: "complex"}
        for dtype, named in cases.items():
            with self.assertRaises(TypeError) as caught:
                promethean.call("js", "dlKeep", torch.zeros(3, dtype=dtype))
            message = str(caught.exception)
            self.assertIn("torch.Tensor", message)
            self.assertIn(named, message)
            self.assertRegex(message, r"convert|view_as_real")  # the way out

    def test_another_device_is_refused_by_name_and_its_deleter_runs_once(self):
        gpu = CountingProducer(np.zeros(4, np.float32), device_type=2)  # kDLCUDA
        with self.assertRaises(TypeError) as caught:
            promethean.call("js", "dlKeep", gpu)
        self.assertIn("cuda:0", str(caught.exception))
        self.assertIn("CPU", str(caught.exception))
        self.assertEqual(gpu.deleted, 1)
        half = CountingProducer(np.zeros(4, np.uint16), code=2, bits=16)  # float16
        with self.assertRaises(TypeError) as caught:
            promethean.call("rust", "imageops.address", half)
        self.assertIn("float16", str(caught.exception))
        self.assertEqual(half.deleted, 1)

    def test_a_dlpack_producers_deleter_runs_exactly_once_after_js_drops_it(self):
        values = np.arange(6, dtype=np.int32).reshape(2, 3)
        producer = CountingProducer(values)
        promethean.call("js", "dlKeep", producer)
        self.assertEqual(promethean.eval("js", "dlKept[4] = -4; dlKept.length"), 6)
        self.assertEqual(values[1, 1], -4)
        self.assertEqual(producer.deleted, 0)
        promethean.call("js", "dlDrop")
        self.assertTrue(collect_until(lambda: producer.deleted > 0))
        time.sleep(0.05)
        collect_until(lambda: False, 0.1)
        self.assertEqual(producer.deleted, 1)


class ArrayInterface(unittest.TestCase):
    def test_an_array_interface_holder_crosses_without_a_copy(self):
        class Holder:
            def __init__(self, a):
                self.a = a
                self.__array_interface__ = a.__array_interface__

        a = np.arange(10, dtype=np.float64)
        h = Holder(a)
        self.assertEqual(promethean.call("js", "dlWriteFirst", h, 7.0), a.ctypes.data)
        self.assertEqual(a[0], 7.0)
        strided = Holder(np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2])
        info = promethean.buffer_info(strided)
        self.assertEqual((info["shape"], info["strides"]), ([3, 2], [16, 8]))
        ro = np.zeros(3, np.uint8)
        ro.flags.writeable = False
        self.assertTrue(promethean.buffer_info(Holder(ro))["readonly"])

    def test_refusals_name_what_cannot_cross(self):
        class Iface:
            def __init__(self, d):
                self.__array_interface__ = d

        data = np.zeros(4, np.uint8)
        base = {"shape": (4,), "data": (data.ctypes.data, False), "version": 3}
        for typestr, named in (("|b1", "bool"), ("<f2", "float16"), (">i4", "big-endian"), ("<c8", "complex")):
            with self.assertRaises(TypeError) as caught:
                promethean.buffer_info(Iface(dict(base, typestr=typestr)))
            self.assertIn(named, str(caught.exception))
        with self.assertRaises(TypeError) as caught:
            promethean.buffer_info(Iface(dict(base, typestr="|u1", mask=data)))
        self.assertIn("mask", str(caught.exception))


class OutToTorchAndNumpy(unittest.TestCase):
    """Item 2: a buffer that reached Python, from any runtime, taken by from_dlpack without a
    copy, valid for as long as the tensor lives after every other reference is gone."""

    def test_js_memory_outlives_js_in_a_tensor(self):
        floats = promethean.call("js", "dlMakeFloats", 1000)
        t = torch.from_dlpack(floats)
        n = np.from_dlpack(floats)
        self.assertEqual(t.data_ptr(), floats.__array_interface__["data"][0])
        self.assertEqual(n.__array_interface__["data"][0], t.data_ptr())
        del floats, n
        for _ in range(5):
            promethean.call("js", "dlCollect")
            gc.collect()
        garbage = [bytearray(1 << 16) for _ in range(64)]  # memory freed by now would be reused
        del garbage
        self.assertEqual(t[999].item(), 499.5)
        t[0] = 3.0
        self.assertEqual(t.sum().item(), sum(i * 0.5 for i in range(1000)) + 3.0)

    def test_rust_memory_outlives_every_other_reference_in_a_tensor(self):
        image = np.zeros((4, 5, 3), np.uint8)
        image[..., 0] = 255
        gray = promethean.call("rust", "imageops.grayscale", image)  # a Rust-owned Vec
        t = torch.from_dlpack(gray)
        self.assertEqual(t.data_ptr(), gray.__array_interface__["data"][0])
        expected = gray.copy()
        del gray
        gc.collect()
        garbage = [bytearray(1 << 12) for _ in range(64)]
        del garbage
        self.assertTrue(np.array_equal(t.numpy(), expected))

    def test_host_memory_in_numpy_from_dlpack(self):
        a = promethean.alloc([2, 3], "float32")
        n = np.from_dlpack(a)  # read-only: numpy's from_dlpack gives no writable array
        t = torch.from_dlpack(a)
        t[1, 2] = 6.5
        self.assertEqual((a[1, 2], n[1, 2]), (6.5, 6.5))
        self.assertEqual(n.__array_interface__["data"][0], a.__array_interface__["data"][0])
        self.assertEqual(t.data_ptr(), a.__array_interface__["data"][0])
        del a, n
        gc.collect()
        self.assertEqual(t.sum().item(), 6.5)

    def test_a_read_only_buffer_is_refused_by_dlpack_with_the_reason(self):
        frozen = np.arange(4, dtype=np.uint8)
        frozen.flags.writeable = False
        back = promethean.call("py", "dl_same", frozen)
        self.assertFalse(back.flags.writeable)
        with self.assertRaises(BufferError) as caught:
            torch.from_dlpack(back)
        self.assertIn("readonly", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
