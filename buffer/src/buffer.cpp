// Buffer: allocation, adoption, layout checks and zero-copy sub-views.
#include "buffer_state.hpp"
#include "shared_segment.hpp"

#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace promethean {
namespace detail {

memory_block::~memory_block() {
  // Exactly once: the owner's callback (adopted), or the host block's way back (shared_segment.hpp).
  if (release) release();
  ledger::instance().block_released(language, size);
}

buffer_state::~buffer_state() {
  delete handle.load(std::memory_order_acquire);
  ledger::instance().buffer_destroyed(serial);
}

}  // namespace detail

namespace {
std::atomic<std::uint64_t> g_next_serial{1};

std::string shape_text(const shape_t& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? " " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::size_t element_count(const shape_t& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) throw buffer_error("shape " + shape_text(shape) + " overflows");
  }
  return n;
}

/// Throws unless every element the layout can reach lies inside [0, block_size).
void check_bounds(const shape_t& shape, const strides_t& strides, std::size_t offset,
                  std::size_t itemsize, std::size_t block_size) {
  if (shape.size() != strides.size()) {
    throw buffer_error("shape " + shape_text(shape) + " has " + std::to_string(shape.size()) +
                       " dimensions but " + std::to_string(strides.size()) + " strides were given");
  }
  if (element_count(shape) == 0) {
    if (offset > block_size) throw buffer_error("byte offset lies past the end of the memory block");
    return;
  }
  const auto extent = byte_extent(shape, strides, itemsize);
  const std::ptrdiff_t low = static_cast<std::ptrdiff_t>(offset) + extent.low;
  const std::ptrdiff_t high = static_cast<std::ptrdiff_t>(offset) + extent.high;
  if (low < 0 || high > static_cast<std::ptrdiff_t>(block_size)) {
    throw buffer_error("layout shape " + shape_text(shape) + " reaches bytes [" + std::to_string(low) +
                       ", " + std::to_string(high) + ") outside the memory block of " +
                       std::to_string(block_size) + " bytes");
  }
}

std::size_t normalise_axis(std::size_t axis, std::size_t ndim, const std::string& id) {
  if (axis >= ndim) {
    throw buffer_error("axis " + std::to_string(axis) + " out of range for " + id + " with " +
                       std::to_string(ndim) + " dimensions");
  }
  return axis;
}

std::shared_ptr<const detail::buffer_state> make_state(std::shared_ptr<detail::memory_block> block,
                                                       dtype format, shape_t shape, strides_t strides,
                                                       std::size_t offset, bool readonly,
                                                       std::string type_name) {
  check_bounds(shape, strides, offset, dtype_size(format), block->size);
  auto state = std::make_shared<detail::buffer_state>();
  state->block = std::move(block);
  state->format = format;
  state->element_count = element_count(shape);
  state->shape = std::move(shape);
  state->strides = std::move(strides);
  state->offset = offset;
  state->readonly = readonly;
  state->type_name = std::move(type_name);
  state->serial = g_next_serial.fetch_add(1, std::memory_order_relaxed);
  state->id = "b" + std::to_string(state->serial);
  ledger::instance().buffer_created(state->serial, state);
  return state;
}
}  // namespace

strides_t c_strides(const shape_t& shape, std::size_t itemsize) {
  strides_t strides(shape.size());
  std::ptrdiff_t step = static_cast<std::ptrdiff_t>(itemsize);
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    // A shape with a zero in it holds no element, whatever its other sizes, so the element count
    // does not bound the strides: those of [0, 2^52, 2^20] overflow (found by fuzzing the C API,
    // fuzz/regressions/c_api/strides_overflow_in_an_empty_shape.bin: signed overflow, undefined).
    const std::size_t size = std::max<std::size_t>(shape[i], 1);
    if (i > 0 && (size > static_cast<std::size_t>(PTRDIFF_MAX) ||
                  __builtin_mul_overflow(step, static_cast<std::ptrdiff_t>(size), &step))) {
      throw buffer_error("shape " + shape_text(shape) + " overflows: its strides do not fit in 64 bits");
    }
  }
  return strides;
}

byte_extent_t byte_extent(const shape_t& shape, const strides_t& strides, std::size_t itemsize) {
  if (shape.size() != strides.size()) throw buffer_error("shape and strides differ in length");
  if (element_count(shape) == 0) return {};
  byte_extent_t e;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::ptrdiff_t reach = 0;
    if (__builtin_mul_overflow(static_cast<std::ptrdiff_t>(shape[i] - 1), strides[i], &reach)) {
      throw buffer_error("strides overflow");
    }
    (reach < 0 ? e.low : e.high) += reach;
  }
  e.high += static_cast<std::ptrdiff_t>(itemsize);
  return e;
}

buffer::buffer(std::shared_ptr<const detail::buffer_state> state) noexcept : m_state(std::move(state)) {}

buffer buffer::allocate(dtype format, shape_t shape, const allocate_options& options) {
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(element_count(shape), dtype_size(format), &bytes)) {
    throw buffer_error("shape " + shape_text(shape) + " overflows");
  }
  // In a shared segment, so that it can cross to another process without a copy (shared_memory.hpp).
  detail::host_block memory = detail::allocate_host_block(bytes);
  auto block = std::make_shared<detail::memory_block>();
  block->data = memory.data;
  block->size = bytes;
  block->release = std::move(memory.release);
  block->segment = std::move(memory.segment);
  block->segment_offset = memory.segment_offset;
  block->language = options.language;
  ledger::instance().block_created(block->language, block->size);
  strides_t strides = c_strides(shape, dtype_size(format));
  return buffer(make_state(std::move(block), format, std::move(shape), std::move(strides), 0,
                           options.readonly, options.type));
}

buffer adopt_strided(std::byte* first, release_fn release, dtype format, shape_t shape, adopt_options options) {
  byte_extent_t extent;
  try {
    if (options.strides.empty()) options.strides = c_strides(shape, dtype_size(format));
    extent = byte_extent(shape, options.strides, dtype_size(format));
    if (first == nullptr && extent.high > extent.low) throw buffer_error("adopted memory has a null address");
  } catch (...) {
    if (release) release();
    throw;
  }
  options.byte_offset = static_cast<std::size_t>(-extent.low);
  return buffer::adopt(first + extent.low, static_cast<std::size_t>(extent.high - extent.low), std::move(release),
                       format, std::move(shape), options);
}

buffer buffer::adopt(void* data, std::size_t byte_size, release_fn release, dtype format, shape_t shape,
                     const adopt_options& options) {
  auto block = std::make_shared<detail::memory_block>();
  block->data = static_cast<std::byte*>(data);
  block->size = byte_size;
  // An adopted block with no callback is borrowed memory: nothing to free.
  block->release = release ? std::move(release) : release_fn([] {});
  block->language = options.language;
  ledger::instance().block_created(block->language, block->size);
  if (data == nullptr && byte_size != 0) throw buffer_error("cannot adopt a null pointer");
  strides_t strides = options.strides.empty() ? c_strides(shape, dtype_size(format)) : options.strides;
  return buffer(make_state(std::move(block), format, std::move(shape), std::move(strides),
                           options.byte_offset, options.readonly, options.type));
}

const detail::buffer_state& buffer::state() const {
  if (!m_state) throw buffer_error("use of a null buffer handle");
  return *m_state;
}

const std::string& buffer::id() const { return state().id; }
std::uint64_t buffer::serial() const { return state().serial; }
dtype buffer::format() const { return state().format; }
std::size_t buffer::itemsize() const { return dtype_size(state().format); }
const shape_t& buffer::shape() const { return state().shape; }
const strides_t& buffer::strides() const { return state().strides; }
std::size_t buffer::ndim() const { return state().shape.size(); }
std::size_t buffer::size() const { return state().element_count; }
std::size_t buffer::nbytes() const { return size() * itemsize(); }
std::size_t buffer::byte_offset() const { return state().offset; }
bool buffer::readonly() const { return state().readonly; }
const std::string& buffer::language() const { return state().block->language; }
const std::string& buffer::type_name() const { return state().type_name; }

bool buffer::is_c_contiguous() const {
  const auto& s = state();
  return s.element_count == 0 || s.strides == c_strides(s.shape, dtype_size(s.format)) ||
         std::all_of(s.shape.begin(), s.shape.end(), [](std::size_t d) { return d <= 1; });
}

std::byte* buffer::data() const {
  const auto& s = state();
  if (s.readonly) throw buffer_error("buffer " + s.id + " is read-only", "ReadOnlyError");
  return s.block->data + s.offset;
}

const std::byte* buffer::cdata() const {
  const auto& s = state();
  return s.block->data + s.offset;
}

const std::byte* buffer::block_data() const { return state().block->data; }
std::size_t buffer::block_size() const { return state().block->size; }

bool buffer::shares_memory_with(const buffer& other) const {
  return m_state && other.m_state && m_state->block == other.m_state->block;
}

long buffer::block_use_count() const { return state().block.use_count(); }

buffer buffer::derive(dtype format, shape_t shape, strides_t strides, std::size_t offset, bool ro,
                      std::string type) const {
  return buffer(make_state(state().block, format, std::move(shape), std::move(strides), offset, ro,
                           std::move(type)));
}

buffer buffer::slice(std::size_t axis, std::int64_t start, std::int64_t stop, std::int64_t step) const {
  const auto& s = state();
  axis = normalise_axis(axis, s.shape.size(), s.id);
  if (step == 0) throw buffer_error("slice step cannot be zero");
  const auto n = static_cast<std::int64_t>(s.shape[axis]);
  // Python's slice.indices(): clamp negative and out-of-range bounds.
  auto clamp = [&](std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < 0) v += n;
    return std::clamp(v, lo, hi);
  };
  std::int64_t first = step > 0 ? clamp(start, 0, n) : clamp(start, -1, n - 1);
  std::int64_t last = step > 0 ? clamp(stop, 0, n) : clamp(stop, -1, n - 1);
  std::int64_t count = step > 0 ? (last > first ? (last - first + step - 1) / step : 0)
                                : (first > last ? (first - last - step - 1) / (-step) : 0);
  shape_t shape = s.shape;
  strides_t strides = s.strides;
  std::ptrdiff_t offset = static_cast<std::ptrdiff_t>(s.offset);
  if (count > 0) offset += static_cast<std::ptrdiff_t>(first) * s.strides[axis];
  shape[axis] = static_cast<std::size_t>(count);
  strides[axis] = s.strides[axis] * static_cast<std::ptrdiff_t>(step);
  return derive(s.format, std::move(shape), std::move(strides), static_cast<std::size_t>(offset),
                s.readonly, {});
}

buffer buffer::select(std::size_t axis, std::int64_t index) const {
  const auto& s = state();
  axis = normalise_axis(axis, s.shape.size(), s.id);
  const auto n = static_cast<std::int64_t>(s.shape[axis]);
  const std::int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) {
    throw buffer_error("index " + std::to_string(index) + " out of range for axis " + std::to_string(axis) +
                       " of size " + std::to_string(n));
  }
  shape_t shape = s.shape;
  strides_t strides = s.strides;
  const std::ptrdiff_t offset = static_cast<std::ptrdiff_t>(s.offset) + i * s.strides[axis];
  shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
  strides.erase(strides.begin() + static_cast<std::ptrdiff_t>(axis));
  return derive(s.format, std::move(shape), std::move(strides), static_cast<std::size_t>(offset),
                s.readonly, {});
}

buffer buffer::reshape(shape_t new_shape) const {
  const auto& s = state();
  if (!is_c_contiguous()) {
    throw buffer_error("cannot reshape " + s.id + " without a copy: it is not C-contiguous");
  }
  if (element_count(new_shape) != s.element_count) {
    throw buffer_error("cannot reshape " + s.id + " of shape " + shape_text(s.shape) + " (" +
                       std::to_string(s.element_count) + " elements) into " + shape_text(new_shape));
  }
  strides_t strides = c_strides(new_shape, dtype_size(s.format));
  return derive(s.format, std::move(new_shape), std::move(strides), s.offset, s.readonly, {});
}

buffer buffer::as_readonly() const {
  const auto& s = state();
  return derive(s.format, s.shape, s.strides, s.offset, true, s.type_name);
}

buffer buffer::with_type(std::string type_name) const {
  const auto& s = state();
  return derive(s.format, s.shape, s.strides, s.offset, s.readonly, std::move(type_name));
}

void buffer::check_span(dtype wanted, bool writable) const {
  const auto& s = state();
  if (wanted != s.format) {
    throw buffer_error("buffer " + s.id + " holds " + std::string(dtype_name(s.format)) + ", not " +
                       std::string(dtype_name(wanted)), "FormatError");
  }
  if (!is_c_contiguous()) throw buffer_error("buffer " + s.id + " is not contiguous: no flat span");
  if (writable && s.readonly) throw buffer_error("buffer " + s.id + " is read-only", "ReadOnlyError");
}

}  // namespace promethean
