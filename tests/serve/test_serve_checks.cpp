// The server's checks, one by one: token, Origin, static paths, binary frames, requests.
#include "protocol.hpp"
#include "security.hpp"
#include "static_files.hpp"

#include <promethean/buffer/buffer_json.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace d = promethean::serve::detail;

TEST(ServeSecurity, TokensAreLongRandomHex) {
  const auto a = d::make_token();
  const auto b = d::make_token();
  EXPECT_EQ(a.size(), 48U);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(ServeSecurity, ConstantTimeEqual) {
  EXPECT_TRUE(d::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(d::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(d::constant_time_equal("abc", "ab"));
  EXPECT_FALSE(d::constant_time_equal("", "a"));
  EXPECT_TRUE(d::constant_time_equal("", ""));
}

TEST(ServeSecurity, TokenFromQueryOrHeader) {
  EXPECT_EQ(d::token_of("/?token=abc", ""), "abc");
  EXPECT_EQ(d::token_of("/?x=1&token=a%62c&y=2", ""), "abc");
  EXPECT_EQ(d::token_of("/?tokens=abc", ""), "");
  EXPECT_EQ(d::token_of("/", "token xyz"), "xyz");
  EXPECT_EQ(d::token_of("/", "Bearer xyz"), "xyz");
  EXPECT_EQ(d::token_of("/", "Basic xyz"), "");
  EXPECT_EQ(d::token_of("/?token=%zz", ""), "");
}

TEST(ServeSecurity, OriginPolicy) {
  const std::vector<std::string> allowed{"http://127.0.0.1:8000", "https://app.example"};
  EXPECT_TRUE(d::origin_allowed("", false, allowed));
  EXPECT_TRUE(d::origin_allowed("http://127.0.0.1:8000", true, allowed));
  EXPECT_TRUE(d::origin_allowed("HTTPS://APP.EXAMPLE", true, allowed));
  EXPECT_FALSE(d::origin_allowed("http://127.0.0.1:8001", true, allowed));
  EXPECT_FALSE(d::origin_allowed("null", true, allowed));
  EXPECT_FALSE(d::origin_allowed("", true, allowed));
  EXPECT_FALSE(d::origin_allowed("https://app.example.evil", true, allowed));
}

TEST(ServeStaticFiles, StaysInsideTheDirectory) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("pm_serve_static_" + std::to_string(::getpid()));
  fs::create_directories(root / "sub");
  std::ofstream(root / "index.html") << "hi";
  std::ofstream(root / "sub" / "a.js") << "x";
  fs::create_symlink("/etc/hostname", root / "out");
  EXPECT_EQ(d::static_file(root, "/"), fs::canonical(root / "index.html"));
  EXPECT_EQ(d::static_file(root, "/sub/a.js"), fs::canonical(root / "sub" / "a.js"));
  EXPECT_FALSE(d::static_file(root, "/../etc/passwd"));
  EXPECT_FALSE(d::static_file(root, "/sub/../../etc/passwd"));
  EXPECT_FALSE(d::static_file(root, "/out"));  // a link that leads outside
  EXPECT_FALSE(d::static_file(root, "/nope"));
  EXPECT_FALSE(d::static_file(root, "relative"));
  EXPECT_FALSE(d::static_file({}, "/index.html"));
  EXPECT_EQ(d::content_type("x.mjs"), "text/javascript; charset=utf-8");
  fs::remove_all(root);
}

namespace {
std::string frame_bytes(const std::string& header, std::size_t data_bytes) {
  std::string out(4, '\0');
  const auto n = static_cast<std::uint32_t>(header.size());
  std::memcpy(out.data(), &n, 4);  // little-endian on the machines we build for
  out += header;
  out.append(data_bytes, '\x07');
  return out;
}
}  // namespace

TEST(ServeProtocol, BinaryFramesBecomeBuffers) {
  auto storage = std::make_shared<std::string>(frame_bytes(R"({"ref":"r1","format":"uint16","shape":[2,3]}   )", 12));
  const auto* data = reinterpret_cast<const std::byte*>(storage->data());
  auto got = d::decode_binary(data, storage->size(), storage, "web");
  EXPECT_EQ(got.ref, "r1");
  EXPECT_EQ(got.data.shape(), (promethean::shape_t{2, 3}));
  EXPECT_EQ(got.data.cdata()[0], std::byte{7});
  auto bad = [](const std::string& bytes) {
    auto s = std::make_shared<std::string>(bytes);
    return d::decode_binary(reinterpret_cast<const std::byte*>(s->data()), s->size(), s, "web");
  };
  EXPECT_THROW(bad("ab"), promethean::error);
  EXPECT_THROW(bad(frame_bytes(R"({"ref":"r1","format":"uint8","shape":[4]})", 3)), promethean::error);
  EXPECT_THROW(bad(frame_bytes(R"({"ref":"r1","format":"complex","shape":[1]})", 1)), promethean::error);
  EXPECT_THROW(bad(frame_bytes(R"({"ref":"r1","shape":[1]})", 1)), promethean::error);
  EXPECT_THROW(bad(frame_bytes(R"({"ref":"r1","format":"uint8","shape":[-1]})", 1)), promethean::error);
  std::string huge = frame_bytes("{}", 0);
  huge[3] = '\x7f';  // a header length past the end
  EXPECT_THROW(bad(huge), promethean::error);
}

TEST(ServeProtocol, MessagesBecomeFramesAndBack) {
  auto b = promethean::buffer::allocate(promethean::dtype::float32, {2, 2});
  b.span<float>()[3] = 5.0F;
  promethean::message m(nlohmann::json{{"x", promethean::buffer_to_json(b)}, {"n", 1}});
  std::atomic<std::uint64_t> next{1};
  auto frames = d::encode(nlohmann::json{{"id", 4}}, "result", m, next);
  ASSERT_EQ(frames.size(), 2U);
  EXPECT_TRUE(frames[0].binary);
  EXPECT_EQ((4 + frames[0].text.size() - 4) % 8, 0U);  // data starts 8-aligned
  EXPECT_EQ(frames[0].payload.cdata(), b.cdata());      // written straight from the buffer
  const auto text = nlohmann::json::parse(frames[1].text);
  EXPECT_EQ(text["result"]["x"]["ref"], "s1");
  EXPECT_EQ(text["result"]["x"]["shape"], nlohmann::json::array({2, 2}));
  // A strided buffer goes out in C order.
  auto column = b.select(1, 1);
  auto strided = d::encode(nlohmann::json::object(), "v", promethean::message::of(column), next);
  EXPECT_EQ(strided[0].payload.nbytes(), 8U);
  EXPECT_EQ(strided[0].payload.span<const float>()[1], 5.0F);
  // Back: a ref handle resolves to the received buffer.
  std::map<std::string, promethean::buffer> received{{"r1", b}};
  auto back = d::resolve_refs(nlohmann::json::array({{{"_type", "Buffer"}, {"ref", "r1"}}}), received);
  ASSERT_EQ(back.buffers().size(), 1U);
  EXPECT_TRUE(back.buffers()[0].shares_memory_with(b));
  EXPECT_THROW(d::resolve_refs(nlohmann::json::array({{{"_type", "Buffer"}, {"ref", "r2"}}}), received), promethean::error);
  EXPECT_THROW(d::resolve_refs(promethean::buffer_to_json(b), received), promethean::error);
}

TEST(ServeProtocol, RequestsAreChecked) {
  nlohmann::json id;
  auto r = d::parse_request(R"({"op":"call","id":7,"runtime":"py","function":"f","args":[1],"timeout_ms":50})", id);
  EXPECT_EQ(id, 7);
  EXPECT_EQ(r.function, "f");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(50));
  auto message_of = [](const std::string& text) {
    nlohmann::json ignored;
    try {
      d::parse_request(text, ignored);
    } catch (const promethean::error& e) {
      EXPECT_EQ(e.type(), "ProtocolError");
      return e.message();
    }
    return std::string("accepted");
  };
  EXPECT_NE(message_of("nope").find("not JSON"), std::string::npos);
  EXPECT_NE(message_of(R"({"op":"fly"})").find("one of hello, call"), std::string::npos);
  EXPECT_NE(message_of(R"({"op":"eval","runtime":"py"})").find("needs \"code\""), std::string::npos);
  EXPECT_NE(message_of(R"({"op":"call","runtime":"py","function":"f","timeout_ms":-1})").find("timeout_ms"), std::string::npos);
  EXPECT_NE(message_of(R"({"op":"result","id":3,"result":1})").find("\"id\" of the call"), std::string::npos);
  EXPECT_NE(message_of(R"({"op":"call","id":[1]})").find("\"id\" is a number or a string"), std::string::npos);
}
