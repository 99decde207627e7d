/// DLPack (the array-exchange ABI of PyTorch, JAX, CuPy, TVM, numpy ≥ 1.22): a buffer over a
/// DLPack tensor's memory and a DLPack tensor over a buffer's, neither copying a byte.
///
/// Ownership follows DLPack's own rule, the producer's deleter runs once, when the consumer is done:
/// - buffer_from_dlpack() takes the DLManagedTensor in every case: the buffer calls its deleter
///   exactly once, when the last reference in any runtime is gone; when the call throws (a device
///   the CPU cannot address, a dtype Promethean has no name for), the deleter has already run.
/// - buffer_to_dlpack() gives a DLManagedTensor that holds one reference to the buffer until its
///   consumer calls the deleter (exactly once, from any thread).
///
/// This header names DLPack's structs without including <dlpack/dlpack.h> (Debian's
/// libdlpack-dev): include it yourself to read their fields.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/config.hpp>

#include <string_view>

struct DLManagedTensor;  // DLPack 0.6's DLTensor is an unnamed struct: it cannot be declared here

namespace promethean {

/// A buffer over the memory `tensor.dl_tensor` describes, no copy; `release` (not the tensor's
/// deleter: the caller decides what releasing means) runs exactly once when the last reference
/// goes, also when this call throws (buffer::adopt's rule). `what` names the tensor in errors
/// ("torch.Tensor"). Accepts memory the CPU can address (DLPack's CPU, CUDA-host and ROCm-host
/// devices) and the dtypes of dtype.hpp; anything else is a buffer_error of type TypeError naming
/// the device or dtype and the way out. `options.strides` and `options.byte_offset` are computed
/// here; the other options (language, readonly, type) are the caller's.
PROMETHEAN_API buffer adopt_dlpack(const DLManagedTensor& tensor, release_fn release, adopt_options options,
                                   std::string_view what = "DLPack tensor");

/// adopt_dlpack() with the tensor's own deleter as the release. Null `managed` is a usage_error
/// (nothing is taken then).
PROMETHEAN_API buffer buffer_from_dlpack(DLManagedTensor* managed, const adopt_options& options = {});

/// A DLManagedTensor (CPU device) over `b`'s memory, holding one reference to `b` until its deleter
/// runs. A read-only buffer is refused (DLPack 0.6 cannot say "read-only", and every consumer
/// would write), as are strides that are not whole elements.
PROMETHEAN_API DLManagedTensor* buffer_to_dlpack(const buffer& b);

}  // namespace promethean
