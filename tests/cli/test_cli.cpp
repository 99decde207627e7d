// Black-box tests of the `promethean` binary: spawn it, check stdout, stderr and exit status.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {
struct run_result {
  int status = -1;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs the CLI with `args`, stdin from /dev/null, capturing both streams into files; `env` is
/// prepended as VAR=value words.
run_result run(const std::vector<std::string>& args, const std::string& env = "") {
  const auto dir = std::filesystem::temp_directory_path();
  const auto tag = std::to_string(::getpid());
  const auto out = dir / ("promethean_cli_out_" + tag), err = dir / ("promethean_cli_err_" + tag);
  std::string cmd = env + " " + quote(PROMETHEAN_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " </dev/null >" + quote(out.string()) + " 2>" + quote(err.string());
  const int raw = std::system(cmd.c_str());
  run_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST(Cli, VersionAndHelp) {
  auto v = run({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out, "promethean 0.1.0\n");
  EXPECT_EQ(run({"-V"}).out, v.out);
  auto h = run({"--help"});
  EXPECT_EQ(h.status, 0);
  for (const char* word : {"run FILE", "eval", "runtimes", "--timeout"}) EXPECT_TRUE(contains(h.out, word)) << word;
}

TEST(Cli, NoArgumentsPrintsUsageAndFails) {
  auto r = run({});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "Usage: promethean"));
}

TEST(Cli, UnknownCommandAndOptionAreUsageErrors) {
  auto c = run({"frobnicate"});
  EXPECT_EQ(c.status, 2);
  EXPECT_TRUE(contains(c.err, "unknown command 'frobnicate'"));
  EXPECT_TRUE(c.out.empty());
  auto o = run({"--frobnicate"});
  EXPECT_EQ(o.status, 2);
  EXPECT_TRUE(contains(o.err, "unknown option '--frobnicate'"));
  auto e = run({"eval", "--bogus", "sh", "true"});
  EXPECT_EQ(e.status, 2);
  EXPECT_TRUE(contains(e.err, "unknown option '--bogus'"));
}

TEST(Cli, EvalShPrintsTheResultAsJson) {
  auto r = run({"eval", "sh", "echo hi"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out),
            (nlohmann::json{{"stdout", "hi\n"}, {"stderr", ""}, {"exit_code", 0}}));
  EXPECT_TRUE(r.err.empty());
}

TEST(Cli, EvalMetaPrintsTheMetaObject) {
  auto r = run({"eval", "--meta", "sh", "printf x"});
  EXPECT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["_type"], "MetaObject");
  EXPECT_EQ(j["source"], "sh");
  EXPECT_EQ(j["data"]["stdout"], "x");
}

TEST(Cli, EvalErrors) {
  auto unknown = run({"eval", "cobol", "x"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.err, "unknown runtime 'cobol' (available: ")) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "sh")) << unknown.err;
  auto missing = run({"eval", "sh"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "eval takes a RUNTIME and CODE"));
  auto timeout = run({"eval", "--timeout", "0.3", "sh", "sleep 20"});
  EXPECT_EQ(timeout.status, 1);
  EXPECT_TRUE(contains(timeout.err, "sh Timeout")) << timeout.err;
  EXPECT_EQ(run({"eval", "--timeout", "soon", "sh", "true"}).status, 2);
}

TEST(Cli, RuntimesPrintsTheDispatchMap) {
  auto r = run({"runtimes"});
  EXPECT_EQ(r.status, 0) << r.err;
  auto map = nlohmann::json::parse(r.out);
  ASSERT_TRUE(map.contains("sh"));
  EXPECT_TRUE(map["sh"]["version"].is_string());
  EXPECT_TRUE(map["sh"]["eval"].is_string());
  EXPECT_TRUE(map["sh"]["marshal"].is_string());
  EXPECT_EQ(run({"runtimes", "extra"}).status, 2);
}

TEST(Cli, RunShellScriptPassesArgumentsAndExitStatus) {
  const auto script = std::filesystem::temp_directory_path() / ("promethean_cli_" + std::to_string(::getpid()) + ".sh");
  std::ofstream(script) << "echo \"args: $*\"\necho to-stderr >&2\nexit 5\n";
  auto r = run({"run", script.string(), "one", "two words"});
  std::filesystem::remove(script);
  EXPECT_EQ(r.status, 5);
  EXPECT_EQ(r.out, "args: one two words\n");
  EXPECT_EQ(r.err, "to-stderr\n");
}

TEST(Cli, RunTheShellExample) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/examples/hello.sh"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "hello from sh")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"source\":\"sh\"")) << r.out;
}

TEST(Cli, RunErrorsAreClear) {
  auto none = run({"run"});
  EXPECT_EQ(none.status, 2);
  auto missing = run({"run", "/nonexistent/x.sh"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "no such script: /nonexistent/x.sh"));
  auto unknown = run({"run", "notes.txt"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.err, "cannot tell which runtime runs 'notes.txt'"));
}

TEST(CliPython, RunBehavesLikePython3) {
  const std::string app = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/py/app.py";
  auto r = run({"run", app, "a", "b c"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "name: __main__\nargv: ['a', 'b c']\nhelper: found beside the script\n");
}

TEST(CliPython, SysExitGivesTheExitStatus) {
  const std::string app = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/py/app.py";
  EXPECT_EQ(run({"run", app, "exit", "3"}).status, 3);
  EXPECT_EQ(run({"run", app, "exit", "0"}).status, 0);
}

TEST(CliPython, UncaughtExceptionPrintsTheTracebackAndExits1) {
  const std::string app = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/py/app.py";
  auto r = run({"run", app, "raise"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "Traceback (most recent call last):")) << r.err;
  EXPECT_TRUE(contains(r.err, app + "\", line 15, in inner")) << r.err;
  EXPECT_TRUE(contains(r.err, "ValueError: bad value from the script")) << r.err;
  EXPECT_TRUE(contains(r.out, "name: __main__")) << "output before the error is flushed";
}

TEST(CliPython, VirtualenvSitePackagesAreImportable) {
  const std::string dir = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/py";
  auto r = run({"run", dir + "/app.py", "venv"}, "VIRTUAL_ENV=" + quote(dir + "/venv"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "venv: from the virtualenv")) << r.out;
}

TEST(CliPython, EvalPyPrintsJson) {
  auto r = run({"eval", "py", "{'sum': sum([1, 2, 3]), 'pi': __import__('math').pi > 3}"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), (nlohmann::json{{"sum", 6}, {"pi", true}}));
  auto bad = run({"eval", "py", "1/0"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.err, "py ZeroDivisionError: division by zero")) << bad.err;
  EXPECT_TRUE(contains(bad.err, "Traceback")) << bad.err;
}

TEST(CliPython, TheReadmeExampleRuns) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/examples/hello.py"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sh failed as expected: sh CommandFailed")) << r.out;
  EXPECT_TRUE(contains(r.out, "ImageRGB uint8 [4, 6, 3] owned by host")) << r.out;
  EXPECT_TRUE(contains(r.out, "mean red through the host: 255.0")) << r.out;
}

namespace {
std::string js_app() { return std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/js/app.js"; }
}  // namespace

TEST(CliJs, RunBehavesLikeNode) {
  auto r = run({"run", js_app(), "argv", "x y"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[\"argv\",\"x y\"] true\n");
  auto pkg = run({"run", js_app(), "greet"});
  EXPECT_EQ(pkg.status, 0) << pkg.err;
  EXPECT_EQ(pkg.out, "hello, node_modules\n");  // require() of a package beside the script
  auto py = run({"run", js_app(), "py"});
  EXPECT_EQ(py.status, 0) << py.err;
  EXPECT_EQ(py.out, "1024\n");
}

TEST(CliJs, ExitStatusIsNodes) {
  EXPECT_EQ(run({"run", js_app(), "exit", "7"}).status, 7);
  EXPECT_EQ(run({"run", js_app(), "exit", "0"}).status, 0);
  auto timer = run({"run", js_app(), "exitCode"});  // the loop runs to completion first
  EXPECT_EQ(timer.status, 5);
  EXPECT_EQ(timer.out, "timer\n");
}

TEST(CliJs, UncaughtExceptionAndUnhandledRejectionAreReportedAsNodeDoes) {
  auto thrown = run({"run", js_app(), "throw"});
  EXPECT_EQ(thrown.status, 1);
  EXPECT_TRUE(contains(thrown.err, "RangeError: thrown at top level")) << thrown.err;
  EXPECT_TRUE(contains(thrown.err, js_app() + ":")) << thrown.err;
  auto rejected = run({"run", js_app(), "reject"});
  EXPECT_EQ(rejected.status, 1);
  EXPECT_TRUE(contains(rejected.err, "Error: rejected and never handled")) << rejected.err;
}

TEST(CliJs, EsModulesRun) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/js/module.mjs", "one", "two"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "esm main one two string\n");
}

TEST(CliJs, EvalJsPrintsJson) {
  auto r = run({"eval", "js", "({sum: [1, 2, 3].reduce((a, b) => a + b), node: process.version.startsWith('v18')})"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), (nlohmann::json{{"sum", 6}, {"node", true}}));
  auto bad = run({"eval", "js", "undefinedName + 1"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.err, "js ReferenceError: undefinedName is not defined")) << bad.err;
}

TEST(CliJs, TheReadmeExampleRuns) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/examples/hello.js"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Float64Array of 5 from Python: 0 0.25 0.5 0.75 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "Python sees the write: 42")) << r.out;
  EXPECT_TRUE(contains(r.out, "py failed as expected: py ValueError")) << r.out;
  EXPECT_TRUE(contains(r.out, "Python calls JS: 10")) << r.out;
  EXPECT_TRUE(contains(r.out, "numpy.sum of a host buffer filled in JS: 6")) << r.out;
  EXPECT_TRUE(contains(r.out, "a timer fired")) << r.out;
}

TEST(CliMeta, RunASibScript) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/meta/routes.sib"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "py says 42 from py\njs says 11\nshape [2,3]\n");
}

TEST(CliMeta, AScriptErrorNamesFileLineAndColumnAndExits1) {
  const std::string script = std::string(PROMETHEAN_SOURCE_DIR) + "/tests/data/meta/broken.sib";
  auto r = run({"run", script});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "before\n");
  EXPECT_TRUE(contains(r.err, script + ":3:3: meta ArityError")) << r.err;
}

TEST(CliMeta, TheReadmeExampleRuns) {
  auto r = run({"run", std::string(PROMETHEAN_SOURCE_DIR) + "/examples/hello.sib"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "py says 42\n11\n[256,256,3]\njs got hello\nok\n");
}
