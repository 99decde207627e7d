// xtensor views over buffers: aliasing both ways, strided views, and lifetime via the adaptor.
#include <promethean/buffer/ledger.hpp>
#include <promethean/buffer/xtensor.hpp>

#include <gtest/gtest.h>

#include <xtensor/xmath.hpp>

using namespace promethean;

TEST(Xtensor, WritesThroughTheAdaptorAreWritesToTheBuffer) {
  auto b = buffer::allocate(dtype::float32, {2, 3});
  auto a = adapt<float>(b);
  EXPECT_EQ(a.data(), reinterpret_cast<float*>(b.data()));
  a(1, 2) = 4.5f;
  EXPECT_EQ(b.span<const float>()[5], 4.5f);
  b.span<float>()[0] = -1.0f;
  EXPECT_EQ(a(0, 0), -1.0f);
  EXPECT_FLOAT_EQ(xt::sum(a)(), 3.5f);
}

TEST(Xtensor, StridedChannelViewOfAnImage) {
  auto image = buffer::allocate(dtype::uint8, {2, 2, 3});
  auto px = image.span<std::uint8_t>();
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i);
  auto blue = adapt<const std::uint8_t>(image.select(2, 2));
  ASSERT_EQ(blue.shape().size(), 2u);
  EXPECT_EQ(blue(0, 0), 2);
  EXPECT_EQ(blue(0, 1), 5);
  EXPECT_EQ(blue(1, 1), 11);
  auto red = adapt<std::uint8_t>(image.select(2, 0));
  red(1, 0) = 99;
  EXPECT_EQ(px[6], 99);
}

TEST(Xtensor, TheAdaptorKeepsTheBufferAlive) {
  const auto before = ledger::instance().counts();
  {
    xtensor_view<double> view = [] {
      auto b = buffer::allocate(dtype::float64, {4});
      return adapt<double>(b);
    }();  // b's handle is gone; the adaptor holds the last reference
    EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
    view(3) = 1.25;
    EXPECT_EQ(view(3), 1.25);
    auto copy = view;  // copies share the keepalive
  }
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks);
}

TEST(Xtensor, MismatchedElementTypeOrNegativeStridesAreRefused) {
  auto b = buffer::allocate(dtype::float32, {4});
  EXPECT_THROW(adapt<double>(b), buffer_error);
  EXPECT_THROW(adapt<float>(b.slice(0, -1, -5, -1)), buffer_error);
  EXPECT_THROW(adapt<float>(b.as_readonly()), buffer_error);  // writable view of read-only memory
  EXPECT_NO_THROW(adapt<const float>(b.as_readonly()));
}
