// The seed's snippets as the seed writes them (examples/seed/, issue 23 item 6), each run by the
// built `promethean` and checked against what the seed says it gives; and send-json to a runtime
// without a handler, from each way in: the JSON is printed in that runtime and the reply is null.
#include "cli_run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace promethean::cli_test;
using nlohmann::json;

namespace {
const std::string k_seed = std::string(PROMETHEAN_SOURCE_DIR) + "/examples/seed/";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

json symbol(const std::string& name) { return json{{"_type", "Symbol"}, {"name", name}}; }
}  // namespace

TEST(SeedAsWritten, MessageInterfaceDefinesItsOwnSendJsonAndReceiveJson) {
  auto r = run({"run", k_seed + "message_interface.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  // The seed's send-json writes the code that sends: `(eval-in "js" (json.stringify payload))`.
  EXPECT_EQ(json::parse(lines[0]),
            json::array({symbol("eval-in"), "js", json::array({symbol("json.stringify"), {{"msg", "hello"}, {"lang", "js"}}})}));
  EXPECT_EQ(json::parse(lines[1]), json::parse(R"({"frames": [1, 2, 3]})"));
}

TEST(SeedAsWritten, ExampleUsagePrintsTheJsonInJs) {
  auto r = run({"run", k_seed + "example_usage.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  // console.log(JSON.stringify({ msg: "hello", lang: "js" })): one line, that JSON (keys sorted).
  EXPECT_EQ(r.out, "{\"lang\":\"js\",\"msg\":\"hello\"}\n");
  EXPECT_EQ(json::parse(r.out), (json{{"msg", "hello"}, {"lang", "js"}}));
  EXPECT_EQ(r.err, "");
}

TEST(SeedAsWritten, PyFnMacroStandsInForTheBuiltin) {
  auto r = run({"run", k_seed + "py_fn_macro.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::array({":target", "py", ":name", symbol("greet"), ":args",
                                             json::array({symbol("name")}), ":body",
                                             json::array({"f'hello, {name}'"})}));
}

TEST(SeedAsWritten, MetaObjectVarStandsInForTheBuiltin) {
  auto r = run({"run", k_seed + "meta_object_wrapper.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"_type\":\"MetaObject\",\"data\":45,\"source\":\"py\"}\n");
}

TEST(SeedAsWritten, ReceiveJsonTakesAWrappedValue) {
  auto r = run({"run", k_seed + "receive_wrapped.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"_type\":\"MetaObject\",\"data\":{\"frames\":[1,2,3]},\"source\":\"py\"}\n");
}

TEST(SeedAsWritten, BufferRegistrationAndTheSeedsBufferMetadata) {
  auto r = run({"run", k_seed + "buffer_registration.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "[256,256,3]");
  // Every field of the seed's "Metadata for Buffers" is in a buffer Python made, with the seed's
  // values; only the id differs (the seed's "abc123" is an example).
  const json seed = json::parse(slurp(k_seed + "buffer_metadata.json"));
  const json info = json::parse(lines[1]);
  for (const auto& [key, value] : seed.items()) {
    ASSERT_TRUE(info.contains(key)) << key << " in " << info;
    if (key == "buffer_id") {
      EXPECT_TRUE(info[key].is_string()) << info;
    } else {
      EXPECT_EQ(info[key], value) << key;
    }
  }
}

TEST(SeedAsWritten, BufferCallsSeeThroughTheMetaObject) {
  auto r = run({"run", k_seed + "buffer_calls.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "py [256,256,3] py");        // ;; [256 256 3], owned by Python
  EXPECT_EQ(lines[1], "[256,256] py 135");  // the view, computed by Python: its shape, owner, mean
}

TEST(SeedAsWritten, RuntimeDispatchMapWithObjectLiterals) {
  auto r = run({"run", k_seed + "runtime_dispatch_map.sib"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "[\"js\",\"py\",\"sh\"]\n"
            "[2,4,6]\n"
            "45\n"
            "hello\n"
            "{\"none\": None, \"ok\": True}\n"
            "[1, null, true]\n"
            "'it'\\''s'\n");
}

// Today's adapted examples keep working beside the as-written ones (their own tests are in
// test_cli.cpp); here, send-json without a handler from each way in other than meta.
TEST(SendJsonWithoutAHandler, FromPythonEachRuntimePrintsTheJsonAndTheReplyIsNone) {
  auto r = run({"eval", "py",
                "import promethean\n"
                "for rt in ('js', 'py', 'sh', 'meta', 'rust'):\n"
                "    print(rt, promethean.send_json(rt, {'msg': 'hello', 'lang': rt}), flush=True)\n"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string expected;
  for (const std::string rt : {"js", "py", "sh", "meta", "rust"}) {
    expected += "{\"lang\":\"" + rt + "\",\"msg\":\"hello\"}\n" + rt + " None\n";
  }
  EXPECT_EQ(r.out, expected + "null\n");  // the last line: eval's own value
}

TEST(SendJsonWithoutAHandler, FromJsEachRuntimePrintsTheJsonAndTheReplyIsNull) {
  auto r = run({"eval", "js",
                "for (const rt of ['py', 'js', 'sh']) console.log(rt, promethean.sendJson(rt, { n: [1, 2] }));"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"n\":[1,2]}\npy null\n{\"n\":[1,2]}\njs null\n{\"n\":[1,2]}\nsh null\nnull\n");
}

TEST(SendJsonWithoutAHandler, AHandlerStillGetsTheMessage) {
  auto r = run({"eval", "py",
                "import promethean\n"
                "promethean.on_message(lambda m: {'got': m['n']})\n"
                "print(promethean.send_json('py', {'n': 3}))\n"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{'got': 3}\nnull\n");
}
