// The Host: runtimes by name, routing, the dispatch map, the shutdown order.
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

using namespace promethean;

namespace {
/// A runtime that records what reaches it, to check the Host's routing without an engine.
class recording_runtime final : public runtime {
 public:
  recording_runtime(std::string name, std::vector<std::string>* shutdowns) : m_name(std::move(name)), m_shutdowns(shutdowns) {}
  std::string_view name() const noexcept override { return m_name; }
  std::string version() const override { return "1.0"; }
  nlohmann::json describe() const override { return {{"version", "1.0"}, {"eval", "echo"}, {"marshal", "json"}}; }
  message eval(std::string_view code, const call_options&) override { return nlohmann::json{{"evaluated", code}}; }
  message call(std::string_view fn, const message& args, const call_options&) override {
    return nlohmann::json{{"called", fn}, {"args", args.value()}};
  }
  void define(const function_definition& d) override { defined.push_back(d.name); }
  void load(const std::filesystem::path& p) override { loaded.push_back(p.string()); }
  std::string marshal(const nlohmann::json& v) const override { return v.dump(); }
  message send_json(const message& payload, const call_options&) override {
    return nlohmann::json{{"reply_to", payload.value()}, {"handler", handler}};
  }
  void set_message_handler(std::string_view h) override { handler = h; }
  int run_script(const std::filesystem::path&, const std::vector<std::string>& args) override {
    return static_cast<int>(args.size());
  }
  void shutdown() override { m_shutdowns->push_back(m_name); }

  std::vector<std::string> defined, loaded;
  std::string handler;

 private:
  std::string m_name;
  std::vector<std::string>* m_shutdowns;
};
}  // namespace

TEST(Host, RoutesEveryEntryPointToTheNamedRuntime) {
  std::vector<std::string> shutdowns;
  host h;
  auto owned = std::make_unique<recording_runtime>("echo", &shutdowns);
  auto* rt = owned.get();
  h.add_runtime(std::move(owned));

  auto result = h.eval("echo", "1 + 1");
  EXPECT_EQ(result.source, "echo");
  EXPECT_EQ(result.data.value()["evaluated"], "1 + 1");
  EXPECT_EQ(result.to_json()["_type"], "MetaObject");

  EXPECT_EQ(h.call("echo", "math.sqrt", nlohmann::json::array({2})).value(),
            (nlohmann::json{{"called", "math.sqrt"}, {"args", {2}}}));
  EXPECT_THROW(h.call("echo", "f", nlohmann::json{{"not", "an array"}}), usage_error);

  h.define("echo", {"double", {"x"}, "x * 2"});
  h.load("echo", "lib.echo");
  h.set_message_handler("echo", "onMessage");
  EXPECT_EQ(h.send_json("echo", nlohmann::json{{"msg", "hello"}}).value()["handler"], "onMessage");
  EXPECT_EQ(h.marshal("echo", {1, 2}), "[1,2]");
  EXPECT_EQ(rt->defined, std::vector<std::string>{"double"});
  EXPECT_EQ(rt->loaded, std::vector<std::string>{"lib.echo"});
  EXPECT_THROW(h.add_runtime(std::make_unique<recording_runtime>("echo", &shutdowns)), usage_error);
}

TEST(Host, UnknownRuntimesAreUsageErrorsListingTheKnownOnes) {
  host h;
  try {
    h.eval("cobol", "DISPLAY 'HI'");
    FAIL();
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown runtime 'cobol'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("sh"), std::string::npos);
  }
  EXPECT_THROW(host(host_options{.runtimes = {"sh", "cobol"}}), usage_error);
}

TEST(Host, DispatchMapDescribesEveryRuntime) {
  host h({.runtimes = {"sh"}});  // this binary starts no interpreter: tests/python owns CPython
  auto map = h.dispatch_map();
  ASSERT_TRUE(map.contains("sh"));
  for (const char* key : {"version", "eval", "marshal", "capabilities"}) {
    EXPECT_TRUE(map["sh"].contains(key)) << key;
  }
  EXPECT_NE(map["sh"]["version"].get<std::string>().find("/bin/sh"), std::string::npos);
}

TEST(Host, ShutsRuntimesDownInTheDocumentedOrder) {
  std::vector<std::string> shutdowns;
  {
    host h({.runtimes = {"sh"}});  // stand-ins take the built-in names, so offer only sh
    // Added in scrambled order; the names carry the built-in ranks.
    for (const char* name : {"rust", "py", "meta", "js", "custom"}) {
      h.add_runtime(std::make_unique<recording_runtime>(name, &shutdowns));
    }
  }
  EXPECT_EQ(shutdowns, (std::vector<std::string>{"meta", "custom", "js", "py", "rust"}));
}

TEST(Host, PicksTheRuntimeByFileExtension) {
  EXPECT_EQ(host::runtime_for_file("a/b.sib"), "meta");
  EXPECT_EQ(host::runtime_for_file("x.py"), "py");
  EXPECT_EQ(host::runtime_for_file("x.mjs"), "js");
  EXPECT_EQ(host::runtime_for_file("x.js"), "js");
  EXPECT_EQ(host::runtime_for_file("x.sh"), "sh");
  EXPECT_EQ(host::runtime_for_file("x.txt"), "");
  host h;
  EXPECT_THROW(h.run_script("notes.txt", {}), usage_error);
  EXPECT_THROW(h.run_script("/nonexistent/script.sh", {}), usage_error);
}

TEST(Host, BufferTypesAreRegisteredPerHost) {
  host h;
  h.buffer_types().add(buffer_type::make("Vec3", {"n", "xyz"}, "float32", {{"xyz", 3}}));
  EXPECT_TRUE(h.buffer_types().find("Vec3"));
  host other;
  EXPECT_FALSE(other.buffer_types().find("Vec3"));
}

TEST(Host, NamedViewsRouteToTheRegisteringRuntimeOrTheOwner) {
  std::vector<std::string> shutdowns;
  host h(host_options{{"sh"}});
  h.add_runtime(std::make_unique<recording_runtime>("echo", &shutdowns));
  h.buffer_types().add(buffer_type::make("Vec3", {"n", "xyz"}, "float32", {{"xyz", 3}}));
  h.buffer_types().add(buffer_type::make("Pair", {"n", "two"}, "float32", {{"two", 2}}));
  h.register_view("Vec3", "norms", "echo", "geometry.norms");

  const buffer typed = h.buffer_types().create("Vec3", {{"n", 4}});
  auto reply = h.view(typed, "norms").value();
  EXPECT_EQ(reply["called"], "geometry.norms");
  EXPECT_EQ(reply["args"][0]["buffer_id"], typed.id());

  // Untyped, but its layout fits Vec3 only: routed there, typed on the way.
  const buffer fits = buffer::allocate(dtype::float32, {5, 3});
  reply = h.view(fits, "norms").value();
  EXPECT_EQ(reply["called"], "geometry.norms");
  EXPECT_EQ(reply["args"][0]["type"], "Vec3");

  // Fitting two types with a view of that name is ambiguous, and says so.
  h.buffer_types().add(buffer_type::make("Triple", {"n", "three"}, "float32", {{"three", 3}}));
  h.register_view("Triple", "norms", "echo", "other.norms");
  EXPECT_THROW(h.view(fits, "norms"), usage_error);

  // No registered view: the runtime that owns the memory gets a call to the view's name.
  const buffer owned = buffer::allocate(dtype::uint8, {2}, {.language = "echo"});
  EXPECT_EQ(h.view(owned, "invert").value()["called"], "invert");

  // Host-owned memory and no view: a usage error listing what is registered.
  try {
    h.view(buffer::allocate(dtype::uint8, {2}), "invert");
    ADD_FAILURE() << "no error";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("Vec3.norms (echo)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(h.register_view("NoSuchType", "v", "echo", "f"), usage_error);
  EXPECT_THROW(h.register_view("Vec3", "v", "nosuchruntime", "f"), usage_error);
  EXPECT_EQ(h.views().entries().size(), 2u);
}
