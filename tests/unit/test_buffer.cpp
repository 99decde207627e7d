// Buffer layout, sub-views and aliasing: every view writes into the same memory.
#include <promethean/buffer/buffer.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

using namespace promethean;

TEST(Buffer, AllocateIsAlignedZeroedAndContiguous) {
  auto b = buffer::allocate(dtype::float32, {4, 5});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.block_data()) % 64, 0u);
  EXPECT_EQ(b.shape(), (shape_t{4, 5}));
  EXPECT_EQ(b.strides(), (strides_t{20, 4}));
  EXPECT_EQ(b.size(), 20u);
  EXPECT_EQ(b.nbytes(), 80u);
  EXPECT_EQ(b.language(), "host");
  EXPECT_TRUE(b.is_c_contiguous());
  EXPECT_EQ(b.id().front(), 'b');
  for (float v : b.span<const float>()) EXPECT_EQ(v, 0.0f);
}

TEST(Buffer, CopiesShareOneIdAndBlock) {
  auto a = buffer::allocate(dtype::uint8, {8});
  buffer copy = a;
  EXPECT_EQ(copy.id(), a.id());
  EXPECT_EQ(copy.cdata(), a.cdata());
}

TEST(Buffer, SelectOneChannelAliasesTheImage) {
  // A 2x3 RGB image; the green channel is a strided view of it, not a copy.
  auto image = buffer::allocate(dtype::uint8, {2, 3, 3}, {.type = "ImageRGB"});
  auto green = image.select(2, 1);
  EXPECT_EQ(green.shape(), (shape_t{2, 3}));
  EXPECT_EQ(green.strides(), (strides_t{9, 3}));
  EXPECT_TRUE(green.shares_memory_with(image));
  EXPECT_NE(green.id(), image.id());
  EXPECT_FALSE(green.is_c_contiguous());
  EXPECT_EQ(green.cdata(), image.cdata() + 1);

  // Write through the channel view at [1, 2]; read it back through the image at [1, 2, 1].
  green.data()[1 * 9 + 2 * 3] = std::byte{200};
  auto pixels = image.span<const std::uint8_t>();
  EXPECT_EQ(pixels[1 * 9 + 2 * 3 + 1], 200);
  // And the other way round.
  image.span<std::uint8_t>()[0 * 9 + 1 * 3 + 1] = 77;
  EXPECT_EQ(static_cast<int>(green.cdata()[0 * 9 + 1 * 3]), 77);
}

TEST(Buffer, SliceWithStepAndNegativeStep) {
  auto b = buffer::allocate(dtype::int32, {10});
  auto s = b.span<std::int32_t>();
  for (int i = 0; i < 10; ++i) s[static_cast<std::size_t>(i)] = i;

  auto evens = b.slice(0, 0, 10, 2);
  EXPECT_EQ(evens.shape(), (shape_t{5}));
  EXPECT_EQ(evens.strides(), (strides_t{8}));
  EXPECT_EQ(*reinterpret_cast<const std::int32_t*>(evens.cdata() + 4 * 8), 8);

  auto reversed = b.slice(0, -1, -11, -1);  // a[::-1]
  EXPECT_EQ(reversed.shape(), (shape_t{10}));
  EXPECT_EQ(reversed.strides(), (strides_t{-4}));
  EXPECT_EQ(*reinterpret_cast<const std::int32_t*>(reversed.cdata()), 9);
  EXPECT_EQ(*reinterpret_cast<const std::int32_t*>(reversed.cdata() + 9 * -4), 0);

  auto empty = b.slice(0, 5, 2);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_THROW(b.slice(0, 0, 5, 0), buffer_error);
  EXPECT_THROW(b.slice(1, 0, 5), buffer_error);
}

TEST(Buffer, ReshapeSharesContiguousMemoryAndRefusesStrided) {
  auto b = buffer::allocate(dtype::float64, {2, 6});
  auto r = b.reshape({3, 4});
  EXPECT_EQ(r.cdata(), b.cdata());
  EXPECT_EQ(r.strides(), (strides_t{32, 8}));
  r.span<double>()[11] = 2.5;
  EXPECT_EQ(b.span<const double>()[11], 2.5);
  EXPECT_THROW(b.reshape({5, 5}), buffer_error);
  EXPECT_THROW(b.select(1, 0).reshape({2}), buffer_error);  // strided: would need a copy
}

TEST(Buffer, ReadOnlyIsEnforced) {
  auto b = buffer::allocate(dtype::uint16, {4});
  auto ro = b.as_readonly();
  EXPECT_TRUE(ro.readonly());
  EXPECT_EQ(ro.cdata(), b.cdata());
  EXPECT_THROW(ro.data(), buffer_error);
  EXPECT_THROW(ro.span<std::uint16_t>(), buffer_error);
  EXPECT_NO_THROW(ro.span<const std::uint16_t>());
  EXPECT_TRUE(ro.select(0, 1).readonly());  // sub-views of read-only stay read-only
}

TEST(Buffer, SpanChecksTheDtype) {
  auto b = buffer::allocate(dtype::float32, {3});
  EXPECT_THROW(b.span<double>(), buffer_error);
  EXPECT_THROW(b.span<std::int32_t>(), buffer_error);
}

TEST(Buffer, AdoptRunsTheReleaseCallbackExactlyOnce) {
  int released = 0;
  auto* storage = new std::uint32_t[6]{1, 2, 3, 4, 5, 6};
  {
    auto b = buffer::adopt(storage, sizeof(std::uint32_t) * 6, [&] { ++released; delete[] storage; },
                           dtype::uint32, {2, 3}, {.language = "rust"});
    EXPECT_EQ(b.language(), "rust");
    EXPECT_EQ(b.cdata(), reinterpret_cast<std::byte*>(storage));
    auto row = b.select(0, 1);
    b = buffer();
    EXPECT_EQ(released, 0);  // the row still holds the block
    EXPECT_EQ(*reinterpret_cast<const std::uint32_t*>(row.cdata()), 4u);
  }
  EXPECT_EQ(released, 1);
}

TEST(Buffer, AdoptWithALayoutOutsideTheBlockFailsAndStillReleases) {
  int released = 0;
  std::uint8_t storage[16] = {};
  EXPECT_THROW(buffer::adopt(storage, sizeof storage, [&] { ++released; }, dtype::uint8, {4, 5}), buffer_error);
  EXPECT_EQ(released, 1);
  EXPECT_THROW(buffer::adopt(storage, sizeof storage, [&] { ++released; }, dtype::uint8, {4},
                             {.strides = {6}}),  // reaches byte 3*6 = 18 of 16
               buffer_error);
  EXPECT_EQ(released, 2);
  // Negative strides are fine when the offset keeps every element inside the block.
  auto reversed = buffer::adopt(storage, sizeof storage, {}, dtype::uint8, {16}, {.strides = {-1}, .byte_offset = 15});
  EXPECT_EQ(reversed.cdata(), reinterpret_cast<std::byte*>(storage) + 15);
}

TEST(Buffer, NullHandleThrowsInsteadOfCrashing) {
  buffer none;
  EXPECT_FALSE(none);
  EXPECT_THROW(none.id(), buffer_error);
  EXPECT_THROW(none.cdata(), buffer_error);
}

TEST(Buffer, OverflowingShapesAreRefused) {
  EXPECT_THROW(buffer::allocate(dtype::float64, {std::size_t(1) << 62, 16}), buffer_error);
}

TEST(Dtype, NamesRoundTripAndUnknownNamesAreRefused) {
  for (auto t : {dtype::int8, dtype::uint8, dtype::int16, dtype::uint16, dtype::int32, dtype::uint32,
                 dtype::int64, dtype::uint64, dtype::float32, dtype::float64}) {
    EXPECT_EQ(dtype_from_name(dtype_name(t)), t);
  }
  EXPECT_EQ(dtype_size(dtype::float64), 8u);
  EXPECT_EQ(dtype_of<std::uint16_t>(), dtype::uint16);
  try {
    parse_dtype("float16");
    FAIL() << "float16 accepted";
  } catch (const buffer_error& e) {
    EXPECT_NE(std::string(e.what()).find("float16"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("uint8"), std::string::npos);
  }
}

// Found by fuzzing the C API (fuzz/regressions/c_api/strides_overflow_in_an_empty_shape.bin): a
// shape with a zero holds no element, so its other sizes may be anything; strides that do not fit
// in 64 bits are a buffer_error, not a signed overflow.
TEST(Buffer, AnEmptyShapeWhoseStridesOverflowIsAnError) {
  EXPECT_THROW(buffer::allocate(dtype::float32, {0, std::size_t{1} << 52, std::size_t{1} << 20}), buffer_error);
  EXPECT_THROW(buffer::allocate(dtype::uint8, {0, ~std::size_t{0}}), buffer_error);
  const buffer empty = buffer::allocate(dtype::float32, {0, 1 << 20, 1 << 10});
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.strides(), (strides_t{std::ptrdiff_t{4} << 30, 4 << 10, 4}));
}
