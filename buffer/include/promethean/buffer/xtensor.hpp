/// xtensor views of buffers: `promethean::adapt<T>(b)` is an xarray adaptor over the buffer's own
/// memory that keeps the buffer alive for as long as the adaptor (or a copy of it) lives.
///
/// Writes through the adaptor are writes to the buffer (and so to every runtime's view of it).
/// Mirrors xtensor's own `adapt_smart_ptr`, with byte strides converted to element strides.
#pragma once

#include <promethean/buffer/buffer.hpp>
#include <promethean/error.hpp>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace promethean {

namespace detail {
/// xtensor's smart-ownership slot (it recognises shared_ptr): the buffer it points to lives as long
/// as the adaptor's storage, and copies of the adaptor share it.
using buffer_keepalive = std::shared_ptr<const buffer>;
}  // namespace detail

template <class T>
using xtensor_view = xt::xarray_adaptor<
    xt::xbuffer_adaptor<T*, xt::smart_ownership, detail::buffer_keepalive>, xt::layout_type::dynamic,
    std::vector<std::size_t>>;

/// An xtensor view of `b`. T must match the buffer's dtype; a non-const T needs a writable buffer.
/// Negative strides are refused (xtensor's storage model assumes element [0…0] is the lowest
/// address) with a buffer_error.
template <class T>
xtensor_view<T> adapt(const buffer& b) {
  using element = std::remove_const_t<T>;
  if (b.format() != dtype_of<element>()) {
    throw buffer_error("xtensor view of " + b.id() + ": element type is " +
                       std::string(dtype_name(dtype_of<element>())) + " but the buffer is " +
                       std::string(dtype_name(b.format())));
  }
  std::vector<std::ptrdiff_t> element_strides;
  for (std::size_t i = 0; i < b.ndim(); ++i) {
    const std::ptrdiff_t s = b.strides()[i];
    if (s < 0 || s % static_cast<std::ptrdiff_t>(sizeof(element)) != 0) {
      throw buffer_error("xtensor view of " + b.id() +
                         ": strides must be non-negative multiples of the element size");
    }
    element_strides.push_back(s / static_cast<std::ptrdiff_t>(sizeof(element)));
  }
  T* data = nullptr;
  if constexpr (std::is_const_v<T>) {
    data = reinterpret_cast<T*>(b.cdata());
  } else {
    data = reinterpret_cast<T*>(b.data());
  }
  // xtensor sizes the storage by element count and reaches elements through the strides.
  using storage = xt::xbuffer_adaptor<T*, xt::smart_ownership, detail::buffer_keepalive>;
  return xtensor_view<T>(storage(data, b.size(), std::make_shared<const buffer>(b)), b.shape(),
                         element_strides);
}

}  // namespace promethean
