// Buffers by reference into and out of py: the receiver gets the very buffer the message holds,
// taken by position (message::cursor), never by looking its id up again; a handle the message
// does not hold is refused.
#include "python_fixture.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>

#include "../support/raised.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::raised;

namespace {
/// `b`'s handle with a shape the live buffer does not have: the ledger's lookup refuses it.
json handle_with_wrong_shape(const buffer& b) {
  json h = buffer_to_json(b);
  h["shape"] = json::array({999});
  return h;
}
/// A runtime that records, for each call, whether every argument handle is exactly its held
/// buffer's own handle; it keeps no buffer unless asked ("keep"), so that py adopts its array anew
/// on the next call. "fail" throws after recording; "nested" sends py's `lend_again()` first.
class handle_recorder final : public runtime {
 public:
  std::string_view name() const noexcept override { return "pyref_recorder"; }
  std::string version() const override { return "1.0"; }
  nlohmann::json describe() const override { return {{"version", "1.0"}}; }
  message eval(std::string_view, const call_options&) override { return nlohmann::json(nullptr); }
  message call(std::string_view fn, const message& args, const call_options&) override {
    if (fn == "nested") the_host().call("py", "lend_again", json::array());
    json handles = json::array();
    bool exact = args.buffers().size() == args.value().size();
    for (std::size_t i = 0; exact && i < args.buffers().size(); ++i) {
      exact = args.value()[i] == buffer_to_json(args.buffers()[i]);
    }
    for (const buffer& b : args.buffers()) handles.push_back(b.id());
    {
      std::lock_guard lock(m_mutex);
      m_records.push_back(json{{"exact", exact}, {"ids", handles}, {"sent", args.value()}});
      if (fn == "keep") m_kept.insert(m_kept.end(), args.buffers().begin(), args.buffers().end());
    }
    if (fn == "fail") throw usage_error("the recorder fails on purpose", "pyref_recorder");
    return json(args.buffers().size());
  }
  void define(const function_definition&) override {}
  void load(const std::filesystem::path&) override {}
  std::string marshal(const nlohmann::json& v) const override { return v.dump(); }
  message send_json(const message& payload, const call_options&) override { return payload; }
  void set_message_handler(std::string_view) override {}
  int run_script(const std::filesystem::path&, const std::vector<std::string>&) override { return 0; }

  json take_records() {
    std::lock_guard lock(m_mutex);
    json out = std::move(m_records);
    m_records = json::array();
    m_kept.clear();
    return out;
  }

 private:
  std::mutex m_mutex;
  json m_records = json::array();
  std::vector<buffer> m_kept;
};

handle_recorder& recorder() {
  static handle_recorder* added = [] {
    auto owned = std::make_unique<handle_recorder>();
    handle_recorder* r = owned.get();
    the_host().add_runtime(std::move(owned));
    return r;
  }();
  return *added;
}
}  // namespace

TEST(PyBufferReference, TheReceiverGetsTheBufferTheMessageHoldsWithoutALookup) {
  auto b = buffer::allocate(dtype::int32, {4});
  b.span<std::int32_t>()[3] = 41;
  the_host().define("py", {"ref_probe", {"a"}, "return [int(a.ctypes.data), list(a.shape), int(a[3]), a]"});
  // The handle in the JSON disagrees with the live buffer: a lookup by id (the ledger's) refuses
  // it, so a receiver that still looked the id up could not have got the buffer.
  const json lying = handle_with_wrong_shape(b);
  EXPECT_THROW(buffer_from_json(lying), message_error);
  const message args(message::in_walk_order, json::array({lying}), {b}, {});
  const message r = the_host().call("py", "ref_probe", args);
  EXPECT_EQ(r.value()[0].get<std::uintptr_t>(), reinterpret_cast<std::uintptr_t>(b.cdata()));  // same memory
  EXPECT_EQ(r.value()[1], json::array({4}));  // the held buffer's shape, not the handle's
  EXPECT_EQ(r.value()[2], 41);
  ASSERT_EQ(r.buffers().size(), 1u);
  EXPECT_EQ(r.buffers()[0].id(), b.id());  // back as that very buffer: the same ledger entry
}

TEST(PyBufferReference, EachHandleTakesItsOwnBufferByPosition) {
  auto first = buffer::allocate(dtype::uint8, {2});
  auto second = buffer::allocate(dtype::uint8, {3});
  the_host().define("py", {"ref_sizes", {"x", "nested"}, "return [len(x), len(nested['b']), len(nested['a'][0])]"});
  // Walk order: argument 0, then the object's members by key ("a" before "b").
  const message args(json::array({buffer_to_json(first), json::object({{"b", buffer_to_json(first)}, {"a", json::array({buffer_to_json(second)})}})}));
  ASSERT_EQ(args.buffers().size(), 3u);
  EXPECT_EQ(args.buffers()[1].id(), second.id());
  EXPECT_EQ(the_host().call("py", "ref_sizes", args).value(), json::array({2, 2, 3}));
}

TEST(PyBufferReference, AHandleTheMessageDoesNotHoldIsRefused) {
  auto held = buffer::allocate(dtype::uint8, {2});
  auto other = buffer::allocate(dtype::uint8, {5});  // live, in the ledger, but not in the message
  the_host().define("py", {"ref_len", {"a"}, "return len(a)"});
  // Forged into a message's JSON: the receiver refuses it rather than look it up.
  auto forged = raised<message_error>(
      [&] { the_host().call("py", "ref_len", message(message::in_walk_order, json::array({buffer_to_json(other)}), {}, {})); });
  EXPECT_NE(forged.message().find("names " + other.id()), std::string::npos) << forged.message();
  EXPECT_NE(forged.message().find("does not hold"), std::string::npos) << forged.message();
  // Handles out of step with the buffers (a different buffer at that position) are refused too.
  EXPECT_THROW(
      the_host().call("py", "ref_len", message(message::in_walk_order, json::array({buffer_to_json(other)}), {held}, {})),
      message_error);
  // Put together from JSON and buffers that do not include it: refused when the message is made.
  auto made = raised<message_error>([&] { message(json::array({buffer_to_json(other)}), {held}, {}); });
  EXPECT_NE(made.message().find("does not hold"), std::string::npos) << made.message();
  // A part of a larger message (its buffers a superset) takes only what it names.
  const message part(json::array({buffer_to_json(other)}), {held, other}, {});
  ASSERT_EQ(part.buffers().size(), 1u);
  EXPECT_EQ(the_host().call("py", "ref_len", part).value(), 5);
}

TEST(PyBufferReference, DictsAreCollectedInWalkOrderAndHandleDictsAreResolved) {
  // Insertion order z, a; walk order a, z: the message's buffers follow the walk.
  the_host().eval("py", "import numpy as np\nref_z = np.zeros(7, dtype=np.uint8)\nref_a = np.zeros(3, dtype=np.uint8)");
  const message m = the_host().eval("py", "{'z': ref_z, 'a': ref_a}").data;
  ASSERT_EQ(m.buffers().size(), 2u);
  EXPECT_EQ(m.buffers()[0].shape(), (shape_t{3}));
  EXPECT_EQ(m.buffers()[1].shape(), (shape_t{7}));
  the_host().define("py", {"ref_pair", {"d"}, "return [len(d['z']), len(d['a'])]"});
  EXPECT_EQ(the_host().call("py", "ref_pair", json::array({m.value()})).value(), json::array({7, 3}));
  EXPECT_EQ(the_host().call("py", "ref_pair", message(json::array({m.value()}), m.buffers(), {})).value(),
            json::array({7, 3}));
  // A dict that is a handle (buffer_info's) names the live buffer: the message holds it.
  the_host().define("py", {"ref_len", {"a"}, "return len(a)"});
  the_host().eval("py", "import promethean");
  const message info = the_host().eval("py", "promethean.buffer_info(ref_z)").data;
  ASSERT_EQ(info.buffers().size(), 1u);
  EXPECT_EQ(info.buffers()[0].shape(), (shape_t{7}));
  EXPECT_EQ(the_host().call("py", "ref_len", json::array({info.value()})).value(), 7);
}

TEST(PyBufferReference, AnArraySentAgainCarriesItsCurrentHandleEveryTime) {
  // promethean.call lends an array's kept handle to the message and takes it back (renamed when
  // the array is adopted anew): every message must still carry exactly the held buffer's handle,
  // through layout changes in place, the same array twice, a nested call, a failed call and a
  // receiver that keeps the buffer (the array then crosses as that same Buffer).
  handle_recorder& rec = recorder();
  rec.take_records();
  the_host().eval("py", R"(import numpy as np, promethean
lend_a = np.arange(12, dtype=np.uint8)
lend_b = np.arange(6, dtype=np.int32)
def lend_again():
    return promethean.call('pyref_recorder', 'f', lend_a)
def lend_failed():
    try:
        promethean.call('pyref_recorder', 'fail', lend_a)
    except promethean.ForeignError as e:
        return e.type
    return None
lend_sent = [promethean.call('pyref_recorder', 'f', lend_a) for _ in range(3)]
lend_a.shape = (3, 4)
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a))
lend_a.shape = (4, 3)
lend_a.dtype = np.int8
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a))
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a, lend_b, lend_a))
lend_sent.append(promethean.call('pyref_recorder', 'nested', lend_a))
lend_sent.append(lend_failed())
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a[::-1]))
lend_sent.append(promethean.call('pyref_recorder', 'keep', lend_a))
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a, timeout=30))
lend_sent.append(promethean.call('pyref_recorder', 'f', lend_a)))");
  EXPECT_EQ(the_host().eval("py", "lend_sent").data.value(),
            json::array({1, 1, 1, 1, 1, 3, 1, "UsageError", 1, 1, 1, 1}));
  const json records = rec.take_records();
  ASSERT_EQ(records.size(), 13u) << records.dump();  // the nested call records first
  for (const json& r : records) EXPECT_TRUE(r["exact"].get<bool>()) << r.dump();
  EXPECT_EQ(records[3]["sent"][0]["shape"], json::array({3, 4}));
  EXPECT_EQ(records[4]["sent"][0]["format"], "int8");
  EXPECT_EQ(records[4]["sent"][0]["shape"], json::array({4, 3}));
  // The same array twice in one call: the one Buffer, under the same handle.
  EXPECT_EQ(records[5]["ids"][0], records[5]["ids"][2]);
  EXPECT_EQ(records[5]["sent"][1]["format"], "int32");
  EXPECT_EQ(records[9]["sent"][0]["strides"], json::array({-3, 1}));
  // While the receiver keeps the Buffer, the array crosses as it again (same id).
  EXPECT_EQ(records[11]["ids"][0], records[10]["ids"][0]);
  EXPECT_EQ(records[12]["ids"][0], records[10]["ids"][0]);
}
