// Shared memory (promethean/buffer/shared_memory.hpp): host blocks lie in segments another process
// could map, a mapping of one shows the same bytes, and adopted memory outside any is copied.
#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/shared_memory.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace promethean;

TEST(SharedMemory, HostBlocksLieInSegmentsSmallOnesInTheArena) {
  const auto small = buffer::allocate(dtype::uint8, {100});
  const auto large = buffer::allocate(dtype::uint8, {std::size_t{1} << 20});
  const auto s = shared_region_of(small);
  const auto l = shared_region_of(large);
  ASSERT_TRUE(s && l);
  EXPECT_TRUE(s->lasting);   // an arena segment
  EXPECT_FALSE(l->lasting);  // a segment of its own
  EXPECT_EQ(l->block_offset, 0U);
  EXPECT_GE(l->segment_size, large.block_size());
  EXPECT_LE(s->block_offset + small.block_size(), s->segment_size);
}

TEST(SharedMemory, AMappingOfASegmentShowsTheSameBytes) {
  auto b = buffer::allocate(dtype::int32, {4});
  const auto region = shared_region_of(b);
  ASSERT_TRUE(region);
  int released = 0;
  {
    // What a receiving process does, here with a duplicate descriptor of our own segment.
    buffer mapped = map_shared(::dup(region->fd), region->segment_size, region->block_offset, b.block_size(),
                               [&] { ++released; }, dtype::int32, {4}, {});
    mapped.span<std::int32_t>()[2] = 42;
    EXPECT_EQ(b.span<const std::int32_t>()[2], 42);
    b.span<std::int32_t>()[0] = 7;
    EXPECT_EQ(mapped.span<const std::int32_t>()[0], 7);
    EXPECT_TRUE(shared_region_of(mapped));  // shareable again, to a third process
  }
  EXPECT_EQ(released, 1);
}

TEST(SharedMemory, ABlockOutsideItsSegmentIsRefusedAndReleasedOnce) {
  const auto b = buffer::allocate(dtype::uint8, {16});
  const auto region = shared_region_of(b);
  ASSERT_TRUE(region);
  int released = 0;
  auto outside = [&] {
    map_shared(::dup(region->fd), region->segment_size, region->segment_size, 16, [&] { ++released; }, dtype::uint8,
               {16}, {});
  };
  EXPECT_THROW(outside(), buffer_error);
  EXPECT_EQ(released, 1);
}

TEST(SharedMemory, AdoptedMemoryIsInNoSegmentAndCrossesAsACopyInCOrder) {
  std::vector<float> own = {1, 2, 3, 4, 5, 6};
  auto adopted = buffer::adopt(own.data(), own.size() * sizeof(float), {}, dtype::float32, {2, 3});
  EXPECT_FALSE(shared_region_of(adopted));
  const auto column = adopted.select(1, 1);  // {2, 5}: strided
  const auto copy = copy_to_shared(column);
  ASSERT_TRUE(shared_region_of(copy));
  EXPECT_EQ(copy.shape(), (shape_t{2}));
  EXPECT_EQ(copy.span<const float>()[0], 2.0F);
  EXPECT_EQ(copy.span<const float>()[1], 5.0F);
  EXPECT_FALSE(copy.shares_memory_with(adopted));
}

TEST(SharedMemory, AViewAdoptedOverAHostBlockIsFoundInItsSegment) {
  const auto host = buffer::allocate(dtype::uint8, {64});
  // As a runtime adopts a view of it (a numpy slice): memory inside the host block.
  const auto view = buffer::adopt(const_cast<std::byte*>(host.cdata()) + 8, 16, [keep = host] {}, dtype::uint8, {16});
  const auto outer = shared_region_of(host);
  const auto inner = shared_region_of(view);
  ASSERT_TRUE(outer && inner);
  EXPECT_EQ(inner->fd, outer->fd);
  EXPECT_EQ(inner->block_offset, outer->block_offset + 8);
}
