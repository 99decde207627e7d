// What other runtimes send into JS stays data, and what JS cannot hold is an error: keys such as
// __proto__ become own properties (as JSON.parse makes them), and a string too long for V8 is a
// RangeError after which JS goes on (issue 24).
#include "js_fixture.hpp"

#include <promethean/error.hpp>

#include "../support/raised.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace promethean;
using nlohmann::json;

namespace {
using promethean::testing_support::raised;

/// V8's v8::String::kMaxLength on 64-bit builds (v8-primitive.h): the longest string JS can hold.
constexpr std::size_t k_v8_max_string_length = (std::size_t{1} << 29) - 24;
}  // namespace

TEST(JsKeysAsData, ProtoConstructorAndToStringAreOwnDataProperties) {
  the_host().define("js", {"inspect", {"o"}, R"(({
    keys: Object.keys(o),
    own_proto: Object.getOwnPropertyDescriptor(o, '__proto__') ? o['__proto__'] : null,
    proto_is_object_prototype: Object.getPrototypeOf(o) === Object.prototype,
    polluted: o.polluted === undefined ? null : o.polluted,
    global_polluted: ({}).polluted === undefined ? null : ({}).polluted,
    inner_proto_is_object_prototype: Object.getPrototypeOf(o.inner) === Object.prototype,
    constructor_is_data: o.constructor === 'c',
    to_string_is_data: o.toString === 't',
    same_as_json_parse: JSON.stringify(o) === JSON.stringify(JSON.parse(JSON.stringify(o))),
  }))"});
  const json sent = json::parse(R"({"__proto__": {"polluted": 1}, "constructor": "c", "toString": "t",
                                    "inner": {"__proto__": {"polluted": 2}}})");
  const json seen = the_host().call("js", "inspect", json::array({sent})).value();
  EXPECT_EQ(seen["keys"], json::parse(R"(["__proto__", "constructor", "inner", "toString"])")) << seen;
  EXPECT_EQ(seen["own_proto"], json::parse(R"({"polluted": 1})")) << seen;
  EXPECT_EQ(seen["proto_is_object_prototype"], true) << seen;
  EXPECT_EQ(seen["polluted"], nullptr) << seen;
  EXPECT_EQ(seen["global_polluted"], nullptr) << seen;
  EXPECT_EQ(seen["inner_proto_is_object_prototype"], true) << seen;
  EXPECT_EQ(seen["constructor_is_data"], true) << seen;
  EXPECT_EQ(seen["to_string_is_data"], true) << seen;
  // And back out: the object crosses back with its own __proto__ key.
  the_host().define("js", {"same", {"x"}, "x"});
  EXPECT_EQ(the_host().call("js", "same", json::array({sent})).value(), sent);
  EXPECT_EQ(js_eval("Object.prototype.polluted === undefined && Object.getPrototypeOf({}) === Object.prototype"), true);
}

TEST(JsKeysAsData, APythonDictWithProtoReachesJsAsData) {
  the_host().define("js", {"proto_report", {"o"}, R"([Object.keys(o), o.polluted === undefined,
    Object.getPrototypeOf(o) === Object.prototype, ({}).polluted === undefined])"});
  const json r = the_host().eval("py", R"(__import__('promethean').call("js", "proto_report",
    {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}))").data.value();
  EXPECT_EQ(r, json::parse(R"([["__proto__", "constructor"], true, true, true])")) << r;
  // A message that meta sends on into JS keeps the key as data too.
  EXPECT_EQ(the_host().eval("meta", R"((call "js" "proto_report" (json.parse "{\"__proto__\": {\"polluted\": 1}}")))")
                .data.value(),
            json::parse(R"([["__proto__"], true, true, true])"));
}

TEST(JsSizeLimits, AStringTooLongForV8IsARangeErrorAndJsGoesOn) {
  the_host().define("js", {"len", {"s"}, "s.length"});
  {
    std::string huge(k_v8_max_string_length + 1, 'x');
    json args = json::array();
    args.push_back(std::move(huge));
    auto e = raised<error>([&] { the_host().call("js", "len", message(std::move(args))); });
    EXPECT_EQ(e.type(), "RangeError") << e.what();
    EXPECT_NE(e.message().find(std::to_string(k_v8_max_string_length)), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("kMaxLength"), std::string::npos) << e.message();
  }
  EXPECT_EQ(the_host().call("js", "len", json::array({"abc"})).value(), 3);
}

TEST(JsSizeLimits, AStringTooLongForV8FromPythonIsAForeignRangeError) {
  the_host().define("js", {"len", {"s"}, "s.length"});
  the_host().eval("py", R"(import promethean
def too_long_for_js():
    try:
        promethean.call("js", "len", "x" * ((1 << 29) - 24 + 1))
        return None
    except promethean.ForeignError as e:
        return [e.runtime, e.type, e.message])");
  const json seen = the_host().eval("py", "too_long_for_js()").data.value();
  ASSERT_TRUE(seen.is_array()) << seen;
  EXPECT_EQ(seen[0], "js");
  EXPECT_EQ(seen[1], "RangeError");
  EXPECT_NE(seen[2].get<std::string>().find("kMaxLength"), std::string::npos) << seen;
  EXPECT_EQ(the_host().eval("py", R"(__import__('promethean').call("js", "len", "abcd"))").data.value(), 4);
}

TEST(JsDepthLimits, DeepValuesAreErrorsNotStackOverflows) {
  the_host().define("js", {"same", {"x"}, "x"});
  auto nested = [](std::size_t levels) {
    json v = 1;
    for (std::size_t i = 0; i < levels; ++i) {
      json outer = json::array();
      outer.push_back(std::move(v));
      v = std::move(outer);
    }
    return v;
  };
  // Deeper than JS takes (the marshallers' 256 levels, both ways): a TypeError naming the limit.
  auto into_js = raised<error>([&] { the_host().call("js", "same", json::array({nested(300)})); });
  EXPECT_EQ(into_js.type(), "TypeError") << into_js.what();
  EXPECT_NE(into_js.message().find("nested deeper than 256 levels"), std::string::npos) << into_js.message();
  // A million deep, made in C++: refused when the message is made.
  json million = nested(1'000'000);
  auto message_made = raised<message_error>([&] { message m(std::move(million)); });
  EXPECT_NE(message_made.message().find("nested deeper than 512 levels"), std::string::npos) << message_made.message();
  // From JS, a deep array is refused by the marshaller, and JS goes on. (A call's result: eval
  // gives null for a value that cannot cross.)
  the_host().define("js", {"deep_array", {}, "(() => { let d = 1; for (let i = 0; i < 100000; i++) d = [d]; return d; })()"});
  auto from_js = raised<error>([] { the_host().call("js", "deep_array", json::array()); });
  EXPECT_NE(from_js.message().find("nested deeper than 256 levels"), std::string::npos) << from_js.message();
  EXPECT_EQ(the_host().call("js", "same", json::array({nested(100)})).value(), nested(100));
}
