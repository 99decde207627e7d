// The built-in sh runtime, through the Host: results, failures, timeouts, messages, definitions.
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "../support/raised.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace promethean;
using namespace std::chrono_literals;

namespace {
using promethean::testing_support::raised;

std::filesystem::path temp_file(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("promethean_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST(ShellRuntime, EvalReturnsStdoutStderrAndExitCode) {
  host h;
  auto r = h.eval("sh", "echo hi; echo oops >&2; exit 3");
  EXPECT_EQ(r.source, "sh");
  EXPECT_EQ(r.data.value(), (nlohmann::json{{"stdout", "hi\n"}, {"stderr", "oops\n"}, {"exit_code", 3}}));
}

TEST(ShellRuntime, AKilledCommandReportsTheSignal) {
  host h;
  EXPECT_EQ(h.eval("sh", "kill -TERM $$").data.value()["exit_code"], 128 + 15);
}

TEST(ShellRuntime, HangingCommandTimesOutAndIsKilled) {
  host h;
  const auto start = std::chrono::steady_clock::now();
  auto e = raised<shell_error>([&] { h.eval("sh", "sleep 30; echo never", {.timeout = 300ms}); });
  EXPECT_EQ(e.type(), "Timeout");
  // In seconds, as py and js say it.
  EXPECT_NE(std::string(e.what()).find("sh command did not finish within its timeout of 0.3 s and was killed"), std::string::npos)
      << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);  // the sleep was killed, not waited for
  EXPECT_EQ(h.eval("sh", "echo still usable").data.value()["stdout"], "still usable\n");
}

TEST(ShellRuntime, DefinedFunctionsTakeArgumentsAsWordsNeverReparsed) {
  host h;
  h.define("sh", {"greet", {"who", "greeting"}, "printf '%s, %s!\\n' \"$greeting\" \"$who\""});
  auto injected = std::filesystem::temp_directory_path() / "promethean_injected";
  std::filesystem::remove(injected);
  const std::string hostile = "$(touch " + injected.string() + ") 'quoted' \"x\"";
  auto r = h.call("sh", "greet", nlohmann::json::array({hostile, "Hello"}));
  EXPECT_EQ(r.value(), "Hello, " + hostile + "!");
  EXPECT_FALSE(std::filesystem::exists(injected));
  // Definitions persist into later evals, like one long shell session.
  EXPECT_EQ(h.eval("sh", "greet world Hi").data.value()["stdout"], "Hi, world!\n");
  // Non-string arguments arrive as their JSON text.
  h.define("sh", {"show", {"v"}, "printf '%s' \"$v\""});
  EXPECT_EQ(h.call("sh", "show", nlohmann::json::array({nlohmann::json{{"a", 1}}})).value(), "{\"a\":1}");
}

TEST(ShellRuntime, CallsReachCommandsOnPath) {
  host h;
  EXPECT_EQ(h.call("sh", "printf", nlohmann::json::array({"%s-%s", "a", "b"})).value(), "a-b");
}

TEST(ShellRuntime, FailingAndUnknownFunctionsAreClearErrors) {
  host h;
  h.define("sh", {"fails", {}, "echo 'disk full' >&2; return 4"});
  auto failed = raised<shell_error>([&] { h.call("sh", "fails", nlohmann::json::array()); });
  EXPECT_EQ(failed.type(), "CommandFailed");
  EXPECT_NE(std::string(failed.what()).find("exited with status 4: disk full"), std::string::npos);
  EXPECT_EQ(failed.trace(), "disk full\n");
  auto unknown = raised<shell_error>([&] { h.call("sh", "no_such_fn_xyz", nlohmann::json::array()); });
  EXPECT_EQ(unknown.type(), "UnknownFunction");
}

TEST(ShellRuntime, BadDefinitionsAreRefusedUpFront) {
  host h;
  EXPECT_THROW(h.define("sh", {"bad name", {}, "true"}), usage_error);
  EXPECT_THROW(h.define("sh", {"ok", {"1x"}, "true"}), usage_error);
  auto e = raised<shell_error>([&] { h.define("sh", {"broken", {}, "if then fi ("}); });
  EXPECT_EQ(e.type(), "SyntaxError");
  EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos);
}

TEST(ShellRuntime, SendJsonFeedsTheHandlerAndParsesItsReply) {
  host h;
  h.set_message_handler("sh", "read line; printf '{\"got\": %s, \"from\": \"sh\"}' \"$line\"");
  auto reply = h.send_json("sh", nlohmann::json{{"msg", "hello"}, {"lang", "js"}});
  EXPECT_EQ(reply.value(), (nlohmann::json{{"got", {{"msg", "hello"}, {"lang", "js"}}}, {"from", "sh"}}));
}

TEST(ShellRuntime, SendJsonErrorsAreClear) {
  host h;
  testing::internal::CaptureStdout();  // no handler yet: sh prints the JSON, the reply is null
  EXPECT_TRUE(h.send_json("sh", nlohmann::json{{"n", 1}}).value().is_null());
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "{\"n\":1}\n");
  h.set_message_handler("sh", "cat >/dev/null; echo 'this is not json'");
  auto not_json = raised<shell_error>([&] { h.send_json("sh", nlohmann::json(1)); });
  EXPECT_EQ(not_json.type(), "NotJSON");
  EXPECT_NE(std::string(not_json.what()).find("this is not json"), std::string::npos);
  h.set_message_handler("sh", "exit 9");
  EXPECT_EQ(raised<shell_error>([&] { h.send_json("sh", nlohmann::json(1)); }).type(), "CommandFailed");
  h.set_message_handler("sh", "sleep 30");
  EXPECT_EQ(raised<shell_error>([&] { h.send_json("sh", nlohmann::json(1), {.timeout = 200ms}); }).type(), "Timeout");
  h.set_message_handler("sh", "cat >/dev/null");
  EXPECT_TRUE(h.send_json("sh", nlohmann::json(1)).value().is_null());  // no reply is null
}

TEST(ShellRuntime, LargeMessagesNeitherDeadlockNorKillTheHost) {
  host h;
  const std::string big(4 << 20, 'x');  // 4 MiB: far past any pipe buffer
  h.set_message_handler("sh", "cat");
  EXPECT_EQ(h.send_json("sh", nlohmann::json(big)).value(), big);
  // A handler that never reads its stdin: the host's write gets EPIPE, not a fatal SIGPIPE.
  h.set_message_handler("sh", "echo '{\"ignored\": true}'");
  EXPECT_EQ(h.send_json("sh", nlohmann::json(big)).value()["ignored"], true);
}

TEST(ShellRuntime, LoadAddsAFilesFunctionsAndChecksItsSyntax) {
  host h;
  auto lib = temp_file("lib.sh", "double() { echo $(( $1 * 2 )); }\n");
  h.load("sh", lib);
  EXPECT_EQ(h.call("sh", "double", nlohmann::json::array({21})).value(), "42");
  auto broken = temp_file("broken.sh", "fi (\n");
  EXPECT_EQ(raised<shell_error>([&] { h.load("sh", broken); }).type(), "SyntaxError");
  EXPECT_THROW(h.load("sh", "/nonexistent/lib.sh"), usage_error);
  std::filesystem::remove(lib);
  std::filesystem::remove(broken);
}

TEST(ShellRuntime, MarshalProducesOneWordThatEvaluatesBackToTheValue) {
  host h;
  for (const std::string s : {"plain", "it's $HOME and `date`", "", "a\nb", "'''"}) {
    auto out = h.eval("sh", "printf '%s' " + h.marshal("sh", s)).data.value()["stdout"];
    EXPECT_EQ(out, s);
  }
  EXPECT_EQ(h.marshal("sh", 42), "'42'");
}

TEST(ShellRuntime, RunScriptReturnsTheScriptsExitStatus) {
  host h;
  auto script = temp_file("exit.sh", "exit $1\n");
  EXPECT_EQ(h.run_script(script, {"7"}), 7);
  std::filesystem::remove(script);
}

TEST(ShellRuntime, AReplyNestedAMillionDeepIsRefusedNamingTheLimit) {
  host h;
  // awk prints a million '[' then a million ']': JSON text far deeper than any message.
  h.set_message_handler("sh", "cat >/dev/null; awk 'BEGIN { for (i = 0; i < 1000000; i++) printf \"[\"; "
                              "for (i = 0; i < 1000000; i++) printf \"]\" }'");
  auto deep = raised<shell_error>([&] { h.send_json("sh", nlohmann::json(1)); });
  EXPECT_EQ(deep.type(), "NotJSON");
  EXPECT_NE(std::string(deep.what()).find("nested deeper than 512 levels"), std::string::npos) << deep.what();
  h.set_message_handler("sh", "cat >/dev/null; echo '[[1]]'");
  EXPECT_EQ(h.send_json("sh", nlohmann::json(1)).value(), nlohmann::json::parse("[[1]]"));
}
