// Private: what a buffer handle points at. Never installed.
#pragma once

#include <promethean/buffer/buffer.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <atomic>
#include <memory>
#include <string>

namespace promethean::detail {

struct shared_segment;

/// One memory block: host-allocated (in a shared segment, released by its callback) or adopted
/// (released by the owner's callback). Its destructor is the single place a block is released, so
/// it happens exactly once.
struct memory_block {
  std::byte* data = nullptr;
  std::size_t size = 0;
  release_fn release;
  std::string language;
  /// The shared segment the block lies in (shared_memory.hpp), or null; `data` is
  /// `segment->base + segment_offset`. Dropped after `release` has run.
  std::shared_ptr<shared_segment> segment;
  std::size_t segment_offset = 0;
  ~memory_block();
};

/// The immutable layout of one buffer over a block.
struct buffer_state {
  std::shared_ptr<memory_block> block;
  dtype format = dtype::uint8;
  shape_t shape;
  strides_t strides;
  std::size_t offset = 0;
  bool readonly = false;
  std::string type_name;
  std::uint64_t serial = 0;
  std::string id;
  std::size_t element_count = 0;
  // The JSON handle, built on first use: every field of it is as immutable as the layout, and
  // building it was most of the cost of a buffer handoff between runtimes. Published with a
  // compare-exchange rather than std::call_once: glibc's pthread_once ends every first call with a
  // futex wake, a syscall that cost microseconds per handoff on a paravirtualised VM.
  mutable std::atomic<const nlohmann::json*> handle{nullptr};
  // Set at the first request for the handle, which is built and handed over without being kept:
  // a buffer adopted for one call (a numpy array passed anew each call) names itself once, and
  // keeping its handle cost an allocation and a copy more. The second request builds the cache.
  mutable std::atomic<bool> handle_asked{false};
  ~buffer_state();
};

/// What shared_memory.cpp reaches in a buffer: its block.
struct block_access {
  static memory_block& block(const buffer& b) { return *b.state().block; }
};

}  // namespace promethean::detail
