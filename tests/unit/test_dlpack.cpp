// DLPack ↔ buffers (buffer/dlpack.hpp and the C API's pm_buffer_from_dlpack / pm_buffer_to_dlpack):
// the same memory both ways, strides in elements turned into bytes, every deleter run exactly
// once, and refusals that name the device or dtype.
#include <promethean/buffer/dlpack.hpp>
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/promethean.h>

#include <dlpack/dlpack.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using namespace promethean;

namespace {

/// A DLPack producer of one tensor over its own array, counting its deleter's calls.
struct producer {
  std::vector<std::int32_t> data = std::vector<std::int32_t>(24);
  std::array<std::int64_t, 2> shape{4, 3};
  std::array<std::int64_t, 2> strides{6, 2};  // every other column of a 4 × 6 array, in elements
  DLManagedTensor managed{};
  int deleted = 0;

  producer() {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::int32_t>(i);
    DLTensor& t = managed.dl_tensor;
    t.data = data.data();
    t.device = DLDevice{kDLCPU, 0};
    t.ndim = 2;
    t.dtype = DLDataType{kDLInt, 32, 1};
    t.shape = shape.data();
    t.strides = strides.data();
    t.byte_offset = sizeof(std::int32_t);  // starts at element 1
    managed.manager_ctx = this;
    managed.deleter = [](DLManagedTensor* m) { ++static_cast<producer*>(m->manager_ctx)->deleted; };
  }
};

std::string taken(pm_error* e) {
  std::string s = std::string(pm_error_type(e)) + ": " + pm_error_message(e);
  pm_error_delete(e);
  return s;
}

}  // namespace

TEST(DLPack, ATensorBecomesABufferOverItsMemoryAndItsDeleterRunsOnce) {
  const auto before = ledger::instance().counts();
  producer p;
  {
    buffer b = buffer_from_dlpack(&p.managed);
    EXPECT_EQ(b.format(), dtype::int32);
    EXPECT_EQ(b.shape(), (shape_t{4, 3}));
    EXPECT_EQ(b.strides(), (strides_t{24, 8}));  // elements → bytes
    EXPECT_EQ(static_cast<const void*>(b.cdata()), static_cast<const void*>(p.data.data() + 1));
    b.data()[0] = std::byte{0x7f};  // written through the buffer, seen by the producer
    EXPECT_EQ(p.data[1], 0x7f);
    buffer second = b.select(1, 2);  // a sub-view keeps the memory too
    b = buffer();
    EXPECT_EQ(p.deleted, 0);
    EXPECT_EQ(reinterpret_cast<const std::int32_t*>(second.cdata())[0], 5);
  }
  EXPECT_EQ(p.deleted, 1);
  const auto after = ledger::instance().counts();
  EXPECT_EQ(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.blocks_released - before.blocks_released, 1);
}

TEST(DLPack, AnotherDeviceOrAnUnviewableDtypeIsRefusedByNameAndTheDeleterStillRuns) {
  struct refusal {
    DLDevice device;
    DLDataType dtype;
    const char* named;
  };
  const refusal cases[] = {
      {DLDevice{kDLCUDA, 1}, DLDataType{kDLFloat, 32, 1}, "device cuda:1"},
      {DLDevice{kDLCPU, 0}, DLDataType{kDLFloat, 16, 1}, "dtype float16"},
      {DLDevice{kDLCPU, 0}, DLDataType{kDLBfloat, 16, 1}, "dtype bfloat16"},
      {DLDevice{kDLCPU, 0}, DLDataType{6, 8, 1}, "dtype bool"},
      {DLDevice{kDLCPU, 0}, DLDataType{kDLComplex, 64, 1}, "dtype complex64"},
      {DLDevice{kDLCPU, 0}, DLDataType{kDLFloat, 32, 4}, "dtype float32x4"},
  };
  for (const auto& c : cases) {
    producer p;
    p.managed.dl_tensor.device = c.device;
    p.managed.dl_tensor.dtype = c.dtype;
    try {
      buffer_from_dlpack(&p.managed);
      ADD_FAILURE() << "accepted: " << c.named;
    } catch (const buffer_error& e) {
      EXPECT_EQ(e.type(), "TypeError");
      EXPECT_NE(std::string(e.message()).find(c.named), std::string::npos) << e.message();
    }
    EXPECT_EQ(p.deleted, 1) << c.named;
  }
}

TEST(DLPack, ABufferBecomesATensorThatKeepsItAlive) {
  const auto before = ledger::instance().counts();
  DLManagedTensor* t = nullptr;
  const void* memory = nullptr;
  {
    buffer b = buffer::allocate(dtype::float64, {3, 4}).slice(1, 0, 4, 2);  // strided: 3 × 2
    memory = b.cdata();
    t = buffer_to_dlpack(b);
  }
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dl_tensor.data, memory);
  EXPECT_EQ(t->dl_tensor.device.device_type, kDLCPU);
  EXPECT_EQ(t->dl_tensor.ndim, 2);
  EXPECT_EQ(t->dl_tensor.dtype.code, kDLFloat);
  EXPECT_EQ(t->dl_tensor.dtype.bits, 64);
  EXPECT_EQ(t->dl_tensor.shape[0], 3);
  EXPECT_EQ(t->dl_tensor.shape[1], 2);
  EXPECT_EQ(t->dl_tensor.strides[0], 4);  // bytes → elements
  EXPECT_EQ(t->dl_tensor.strides[1], 2);
  static_cast<double*>(t->dl_tensor.data)[0] = 2.5;  // the memory outlived every buffer handle
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks + 1);
  t->deleter(t);
  EXPECT_EQ(ledger::instance().counts().live_blocks, before.live_blocks);
}

TEST(DLPack, AReadOnlyBufferOrStridesOfPartElementsAreRefused) {
  const buffer ro = buffer::allocate(dtype::uint8, {4}).as_readonly();
  try {
    buffer_to_dlpack(ro);
    ADD_FAILURE() << "a read-only buffer was exported";
  } catch (const buffer_error& e) {
    EXPECT_NE(std::string(e.message()).find("read-only"), std::string::npos) << e.message();
  }
  static std::array<std::byte, 64> bytes{};
  adopt_options odd;
  odd.strides = {3};  // int16 elements 3 bytes apart: no whole number of elements
  const buffer b = buffer::adopt(bytes.data(), bytes.size(), [] {}, dtype::int16, {4}, odd);
  try {
    buffer_to_dlpack(b);
    ADD_FAILURE() << "strides of part elements were exported";
  } catch (const buffer_error& e) {
    EXPECT_NE(std::string(e.message()).find("not a whole number"), std::string::npos) << e.message();
  }
}

TEST(DLPack, TheCApiTakesATensorInEveryCaseAndGivesOneBack) {
  producer p;
  pm_buffer* b = nullptr;
  ASSERT_EQ(pm_buffer_from_dlpack(&p.managed, &b), nullptr);
  EXPECT_EQ(pm_buffer_data(b), static_cast<void*>(p.data.data() + 1));
  EXPECT_STREQ(pm_buffer_format(b), "int32");
  DLManagedTensor* out = nullptr;
  EXPECT_NE(taken(pm_buffer_to_dlpack(b, nullptr)).find("out is NULL"), std::string::npos);
  ASSERT_EQ(pm_buffer_to_dlpack(b, &out), nullptr);
  pm_buffer_delete(b);
  EXPECT_EQ(p.deleted, 0);  // the exported tensor still holds the buffer, which holds the producer's
  EXPECT_EQ(out->dl_tensor.data, static_cast<void*>(p.data.data() + 1));
  out->deleter(out);
  EXPECT_EQ(p.deleted, 1);

  EXPECT_NE(taken(pm_buffer_from_dlpack(nullptr, &b)).find("NULL"), std::string::npos);
  producer refused;
  refused.managed.dl_tensor.device = DLDevice{kDLROCM, 0};
  EXPECT_NE(taken(pm_buffer_from_dlpack(&refused.managed, &b)).find("rocm:0"), std::string::npos);
  EXPECT_EQ(refused.deleted, 1);
  producer no_out;
  EXPECT_NE(taken(pm_buffer_from_dlpack(&no_out.managed, nullptr)).find("out is NULL"), std::string::npos);
  EXPECT_EQ(no_out.deleted, 1);
  EXPECT_NE(taken(pm_buffer_to_dlpack(nullptr, &out)).find("buffer is NULL"), std::string::npos);
}
