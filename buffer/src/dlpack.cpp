// DLPack tensors ↔ buffers, no copy (dlpack.hpp says who owns what).
#include <promethean/buffer/dlpack.hpp>

#include <promethean/error.hpp>

#include <dlpack/dlpack.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace promethean {
namespace {

std::string device_name(const DLDevice& d) {
  std::string kind;
  switch (static_cast<int>(d.device_type)) {
    case kDLCPU: kind = "cpu"; break;
    case kDLCUDA: kind = "cuda"; break;
    case kDLCUDAHost: kind = "cuda_host"; break;
    case kDLOpenCL: kind = "opencl"; break;
    case kDLVulkan: kind = "vulkan"; break;
    case kDLMetal: kind = "metal"; break;
    case kDLVPI: kind = "vpi"; break;
    case kDLROCM: kind = "rocm"; break;
    case kDLROCMHost: kind = "rocm_host"; break;
    case kDLExtDev: kind = "ext_dev"; break;
    case kDLCUDAManaged: kind = "cuda_managed"; break;
    default: kind = "device type " + std::to_string(static_cast<int>(d.device_type)); break;
  }
  return kind + ":" + std::to_string(d.device_id);
}

/// Devices whose memory is an ordinary pointer of this process: the CPU's, and pinned host memory.
bool cpu_addressable(const DLDevice& d) {
  return d.device_type == kDLCPU || d.device_type == kDLCUDAHost || d.device_type == kDLROCMHost;
}

std::string dtype_spelling(const DLDataType& t) {
  std::string base;
  switch (t.code) {
    case kDLInt: base = "int"; break;
    case kDLUInt: base = "uint"; break;
    case kDLFloat: base = "float"; break;
    case kDLBfloat: base = "bfloat"; break;
    case kDLComplex: base = "complex"; break;
    case 6: base = "bool"; break;  // kDLBool, DLPack ≥ 0.8 (Debian 12 ships 0.6)
    case kDLOpaqueHandle: base = "opaque handle "; break;
    default: base = "code " + std::to_string(t.code) + " "; break;
  }
  std::string s = t.code == 6 ? base : base + std::to_string(t.bits);
  if (t.lanes != 1) s += "x" + std::to_string(t.lanes);
  return s;
}

[[noreturn]] void refuse_dtype(std::string_view what, const DLDataType& t) {
  const std::string name = dtype_spelling(t);
  std::string hint;
  if (t.lanes != 1) {
    hint = "vector dtypes (" + std::to_string(t.lanes) + " lanes) have no Promethean dtype; send one lane per element";
  } else if (t.code == kDLFloat && t.bits == 16) {
    hint = "no runtime can view float16 (numpy can, but JS has no Float16Array in Node 18, Rust no f16, and "
           "Promethean's dtypes stop at float32): convert first, e.g. torch: .float(); numpy: .astype('float32')";
  } else if (t.code == kDLBfloat) {
    hint = "no runtime can view bfloat16: convert first, e.g. torch: .float()";
  } else if (t.code == 6) {
    hint = "no runtime can view bool as bool (JS and Promethean have no bool element): convert first, e.g. "
           "torch: .to(torch.uint8); numpy: .view('uint8')";
  } else if (t.code == kDLComplex) {
    hint = "complex has no Promethean dtype: send the real and imaginary parts interleaved (torch: "
           "torch.view_as_real(t); numpy: .view('float64')), no copy";
  } else {
    hint = "Promethean's dtypes are int8…int64, uint8…uint64, float32 and float64";
  }
  throw buffer_error(std::string(what) + " has dtype " + name + ", which cannot cross: " + hint, "TypeError");
}

dtype format_of(std::string_view what, const DLDataType& t) {
  if (t.lanes != 1) refuse_dtype(what, t);
  switch (t.code) {
    case kDLInt:
      switch (t.bits) {
        case 8: return dtype::int8;
        case 16: return dtype::int16;
        case 32: return dtype::int32;
        case 64: return dtype::int64;
        default: break;
      }
      break;
    case kDLUInt:
      switch (t.bits) {
        case 8: return dtype::uint8;
        case 16: return dtype::uint16;
        case 32: return dtype::uint32;
        case 64: return dtype::uint64;
        default: break;
      }
      break;
    case kDLFloat:
      if (t.bits == 32) return dtype::float32;
      if (t.bits == 64) return dtype::float64;
      break;
    default: break;
  }
  refuse_dtype(what, t);
}

DLDataType dl_dtype_of(dtype t) {
  const auto bits = static_cast<std::uint8_t>(dtype_size(t) * 8);
  switch (t) {
    case dtype::int8:
    case dtype::int16:
    case dtype::int32:
    case dtype::int64: return DLDataType{kDLInt, bits, 1};
    case dtype::uint8:
    case dtype::uint16:
    case dtype::uint32:
    case dtype::uint64: return DLDataType{kDLUInt, bits, 1};
    case dtype::float32:
    case dtype::float64: return DLDataType{kDLFloat, bits, 1};
  }
  return DLDataType{kDLUInt, 8, 1};  // not reached: every dtype is handled above
}

/// What buffer_to_dlpack's tensor points into: the struct DLPack hands out, the arrays its
/// DLTensor points at, and the reference that keeps the memory alive. The DLManagedTensor is the
/// first member, so its address is this object's (manager_ctx says so too).
struct exported_tensor {
  DLManagedTensor managed{};
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> strides;
  buffer held;
};

void delete_exported(DLManagedTensor* m) noexcept { delete static_cast<exported_tensor*>(m->manager_ctx); }

}  // namespace

buffer adopt_dlpack(const DLManagedTensor& managed, release_fn release, adopt_options options, std::string_view what) {
  const DLTensor& t = managed.dl_tensor;
  dtype format{};
  shape_t shape;
  strides_t strides;
  std::byte* first = nullptr;
  try {
    if (!cpu_addressable(t.device)) {
      throw buffer_error(std::string(what) + " is on device " + device_name(t.device) +
                             ", whose memory this process cannot address: only CPU memory crosses without a "
                             "copy; move it to the CPU first (torch: .cpu(); CuPy: .get())",
                         "TypeError");
    }
    format = format_of(what, t.dtype);
    if (t.ndim < 0) throw buffer_error(std::string(what) + " has ndim " + std::to_string(t.ndim), "ValueError");
    if (t.ndim > 0 && t.shape == nullptr) throw buffer_error(std::string(what) + " has no shape", "ValueError");
    const std::size_t itemsize = dtype_size(format);
    for (std::int32_t i = 0; i < t.ndim; ++i) {
      if (t.shape[i] < 0) {
        throw buffer_error(std::string(what) + " has a negative size " + std::to_string(t.shape[i]) + " in dimension " +
                               std::to_string(i),
                           "ValueError");
      }
      shape.push_back(static_cast<std::size_t>(t.shape[i]));
    }
    if (t.strides == nullptr) {
      strides = c_strides(shape, itemsize);  // DLPack: no strides means compact and row-major
    } else {
      constexpr auto k_max = std::numeric_limits<std::ptrdiff_t>::max() / 16;
      for (std::int32_t i = 0; i < t.ndim; ++i) {
        if (t.strides[i] > k_max || t.strides[i] < -k_max) {
          throw buffer_error(std::string(what) + " has stride " + std::to_string(t.strides[i]) + " in dimension " +
                             std::to_string(i) + ", too large for this process's memory");
        }
        strides.push_back(static_cast<std::ptrdiff_t>(t.strides[i]) * static_cast<std::ptrdiff_t>(itemsize));
      }
    }
    if (t.data != nullptr) first = static_cast<std::byte*>(t.data) + t.byte_offset;
  } catch (...) {
    if (release) release();  // buffer::adopt's rule: release runs also when adopting fails
    throw;
  }
  options.strides = std::move(strides);
  return adopt_strided(first, std::move(release), format, std::move(shape), std::move(options));
}

buffer buffer_from_dlpack(DLManagedTensor* managed, const adopt_options& options) {
  if (managed == nullptr) throw usage_error("buffer_from_dlpack: the DLManagedTensor is NULL");
  release_fn release = [managed] {
    if (managed->deleter != nullptr) managed->deleter(managed);
  };
  return adopt_dlpack(*managed, std::move(release), options);
}

DLManagedTensor* buffer_to_dlpack(const buffer& b) {
  if (!b) throw usage_error("buffer_to_dlpack: a null buffer");
  if (b.readonly()) {
    throw buffer_error("buffer " + b.id() +
                       " is read-only, and a DLPack tensor cannot say so (every consumer may write through it): "
                       "copy it, or export a writable buffer");
  }
  auto out = std::make_unique<exported_tensor>();
  const auto itemsize = static_cast<std::ptrdiff_t>(b.itemsize());
  for (std::size_t i = 0; i < b.ndim(); ++i) {
    const std::ptrdiff_t s = b.strides()[i];
    if (s % itemsize != 0) {
      throw buffer_error("buffer " + b.id() + " has stride " + std::to_string(s) + " bytes in dimension " +
                         std::to_string(i) + ", not a whole number of " + std::to_string(itemsize) +
                         "-byte elements, and DLPack counts strides in elements");
    }
    out->shape.push_back(static_cast<std::int64_t>(b.shape()[i]));
    out->strides.push_back(static_cast<std::int64_t>(s / itemsize));
  }
  out->held = b;
  DLTensor& t = out->managed.dl_tensor;
  t.data = const_cast<std::byte*>(b.cdata());
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = static_cast<std::int32_t>(b.ndim());
  t.dtype = dl_dtype_of(b.format());
  t.shape = out->shape.empty() ? nullptr : out->shape.data();
  t.strides = out->strides.empty() ? nullptr : out->strides.data();
  t.byte_offset = 0;
  out->managed.manager_ctx = out.get();
  out->managed.deleter = delete_exported;
  return &out.release()->managed;
}

}  // namespace promethean
