// What the seed's snippets need of the meta language (issue 23 item 6): {…} object literals,
// MetaObjects seen through by buffer forms, get and dotted access, py.eval-style runtime entries,
// Sibilant's ...rest parameters, macroexpand, the seed's own definitions standing in for builtins,
// and send-json to a runtime without a handler (the JSON printed there, the reply null).
#include "../support/raised.hpp"

#include "meta/evaluator.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "meta_fixture.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::raised;

namespace {
/// A script of its own: a fresh evaluator on the process's Host, so that what it defines (a macro
/// standing in for py:fn) does not reach the other tests' scripts. Its prints go to `printed`.
struct own_script {
  std::ostringstream printed;
  meta::evaluator eval{*g_host, printed};
  json run(const std::string& code) { return eval.run(code, "seed.sib").value(); }
};

json symbol(const std::string& name) { return json{{"_type", "Symbol"}, {"name", name}}; }
}  // namespace

TEST(MetaSeed, ObjectLiteralsWithOrWithoutCommas) {
  EXPECT_EQ(sib("{:eval 1, :marshal \"m\"}"), (json{{"eval", 1}, {"marshal", "m"}}));
  EXPECT_EQ(sib("{:a 1 :b 2}"), (json{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(sib("{:a 1,:b 2 , :c [1 2]}"), (json{{"a", 1}, {"b", 2}, {"c", {1, 2}}}));
  EXPECT_EQ(sib("{}"), json::object());
  EXPECT_EQ(sib("(def seed-n 3) {\"s\" (+ seed-n 1) :nested {:x {:y null}}}"),
            json::parse(R"({"s": 4, "nested": {"x": {"y": null}}})"));
  EXPECT_EQ(sib("(get {:k [5 6]} :k)"), json::parse("[5, 6]"));
  // A comma before a form, after whitespace, is an unquote: a template can fill a literal in.
  sib("(macro seed-pair (k v) `{,k ,v, :fixed true})");
  EXPECT_EQ(sib("(seed-pair :a (* 2 3))"), (json{{"a", 6}, {"fixed", true}}));
}

TEST(MetaSeed, ObjectLiteralErrorsNameTheirPlace) {
  auto odd = raised<script_error>([] { sib("(print 1)\n  {:a 1 :b}"); });
  EXPECT_EQ(odd.type(), "SyntaxError");
  EXPECT_NE(odd.message().find("key value pairs"), std::string::npos) << odd.message();
  EXPECT_EQ(odd.location()->line, 2);
  EXPECT_EQ(odd.location()->column, 3);
  auto unclosed = raised<script_error>([] { sib("{:a 1"); });
  EXPECT_NE(unclosed.message().find("unclosed '{'"), std::string::npos) << unclosed.message();
  auto wrong = raised<script_error>([] { sib("{:a (f 1})"); });
  EXPECT_NE(wrong.message().find("'}' closes the '('"), std::string::npos) << wrong.message();
  auto stray = raised<script_error>([] { sib("1 }"); });
  EXPECT_NE(stray.message().find("unexpected '}'"), std::string::npos) << stray.message();
  EXPECT_EQ(raised<script_error>([] { sib("{5 1}"); }).type(), "SyntaxError");  // a key is a keyword or string
}

TEST(MetaSeed, BufferFormsGetAndDotsSeeThroughAMetaObject) {
  EXPECT_EQ(sib("(buffer.shape (eval-in \"py\" \"__import__('numpy').zeros((4, 2), dtype='uint8')\"))"),
            json::parse("[4, 2]"));
  EXPECT_EQ(sib("(get (buffer.info (eval-in \"py\" \"__import__('numpy').zeros(3)\")) :format)"), "float64");
  EXPECT_EQ(sib("(def seed-mo (eval-in \"py\" \"{'k': {'w': 3}, 'list': [7, 8]}\")) seed-mo.k.w"), 3);
  EXPECT_EQ(sib("(get seed-mo :list)"), json::parse("[7, 8]"));
  EXPECT_EQ(sib("(get (get seed-mo :list) 1)"), 8);
  EXPECT_EQ(sib("(get (eval-in \"js\" \"[5, 6]\") 1)"), 6);
  // The MetaObject's own keys stay its own.
  EXPECT_EQ(sib("seed-mo.source"), "py");
  EXPECT_EQ(sib("(get seed-mo :data)"), json::parse(R"({"k": {"w": 3}, "list": [7, 8]})"));
  EXPECT_EQ(sib("(get (MetaObject \"sh\" (object :_type \"x\")) :_type)"), "MetaObject");
  // A view of a MetaObject's buffer, the same memory, computed by the owning runtime.
  EXPECT_EQ(sib("(eval-in \"py\" \"def seed_first_row(a):\\n    return a[0]\") "
                "(def seed-img (eval-in \"py\" \"__import__('numpy').arange(6, dtype='int32').reshape(2, 3)\")) "
                "(buffer.shape (buffer.view seed-img \"seed_first_row\"))"),
            json::parse("[3]"));
  EXPECT_EQ(raised<script_error>([] { sib("(buffer.shape (eval-in \"py\" \"1\"))"); }).type(), "TypeError");
  EXPECT_EQ(raised<script_error>([] { sib("(get (MetaObject \"py\" 1) :nope)"); }).type(), "TypeError");
}

TEST(MetaSeed, RuntimeEntriesAreFunctions) {
  EXPECT_EQ(sib("(get (py.eval \"6 * 7\") :data)"), 42);
  EXPECT_EQ(sib("(get (js.eval \"[1, 2].length\") :data)"), 2);
  EXPECT_EQ(sib("(get (sh.eval \"printf hi\") :stdout)"), "hi");
  EXPECT_EQ(sib("(py.serialize [true null])"), "[True, None]");
  EXPECT_EQ(sib("(map js.serialize [null \"a\"])"), json::parse(R"(["null", "\"a\""])"));
  EXPECT_EQ(sib("(get (meta.eval \"(+ 1 2)\") :data)"), 3);
  EXPECT_EQ(raised<script_error>([] { sib("nope.eval"); }).type(), "NameError");
  EXPECT_EQ(raised<script_error>([] { sib("py.compile"); }).type(), "NameError");
  // A bound name comes first: py.eval is then a dotted access into it.
  EXPECT_EQ(sib("(let ((py (object :eval \"mine\"))) py.eval)"), "mine");
}

TEST(MetaSeed, SibilantRestParameters) {
  EXPECT_EQ(sib("((fn (a ...more) more) 1 2 3)"), json::parse("[2, 3]"));
  EXPECT_EQ(sib("((fn (...all) (length all)))"), 0);
  EXPECT_EQ(raised<script_error>([] { sib("(fn (...more a) a)"); }).type(), "SyntaxError");
}

TEST(MetaSeed, MacroexpandShowsWhatAMacroMakes) {
  sib("(macro seed-unless (test ...body) `(if ,test null (do ,@body)))");
  EXPECT_EQ(sib("(macroexpand `(seed-unless ok (print 1)))"),
            json::array({symbol("if"), symbol("ok"), nullptr,
                         json::array({symbol("do"), json::array({symbol("print"), 1})})}));
  EXPECT_EQ(sib("(macroexpand 5)"), 5);
}

TEST(MetaSeed, TheSeedsPyFnMacroStandsInForTheBuiltinInItsScript) {
  own_script s;
  s.run("(macro py:fn (name args ...body)\n"
        "  `(:target \"py\"\n     :name ,name\n     :args ,args\n     :body ,body))");
  EXPECT_EQ(s.run("(macroexpand `(py:fn greet (name) \"f'hi {name}'\"))"),
            json::array({":target", "py", ":name", symbol("greet"), ":args", json::array({symbol("name")}), ":body",
                         json::array({"f'hi {name}'"})}));
  // Used, it makes its descriptor, which is no code to run (greet is no defined name).
  EXPECT_EQ(raised<script_error>([&] { s.run("(py:fn greet (name) \"name\")"); }).type(), "NameError");
  // Other scripts keep the builtin py:fn.
  EXPECT_EQ(sib("(do (py:fn seed_twice (v) (* v 2)) (seed_twice 21))"), 42);
  // Syntax itself cannot be replaced.
  EXPECT_EQ(raised<script_error>([&] { s.run("(macro let (a) a)"); }).type(), "SyntaxError");
}

TEST(MetaSeed, TheSeedsMetaObjectAndRuntimeDispatchStandInForTheBuiltins) {
  own_script s;
  s.run("(var MetaObject\n  (fn (source data)\n    (object\n      :_type \"MetaObject\"\n      :source source\n"
        "      :data data)))");
  EXPECT_EQ(s.run("(MetaObject \"py\" 45)"), (json{{"_type", "MetaObject"}, {"source", "py"}, {"data", 45}}));
  EXPECT_EQ(s.run("(get (MetaObject \"py\" (object :k 1)) :k)"), 1);  // seen through, as the builtin's
  s.run("(def runtime-dispatch\n  (object\n    :js {:eval js.eval, :marshal js.serialize}\n"
        "    :py {:eval py.eval, :marshal py.serialize}\n    :sh {:eval sh.eval, :marshal sh.serialize}))");
  EXPECT_EQ(s.run("(keys runtime-dispatch)"), json::parse(R"(["js", "py", "sh"])"));
  EXPECT_EQ(s.run("(get (runtime-dispatch.py.eval \"2 ** 10\") :data)"), 1024);
  EXPECT_EQ(s.run("((get (get runtime-dispatch :js) :marshal) [1 null])"), "[1, null]");
  // The builtin map, with each runtime's version, is still what other scripts see.
  EXPECT_TRUE(sib("runtime-dispatch").contains("meta"));
}

TEST(MetaSeed, ReceiveJsonTakesAValueAlreadyParsed) {
  EXPECT_EQ(sib("(receive-json \"py\" (MetaObject \"py\" [1 2]))"),
            (json{{"_type", "MetaObject"}, {"source", "py"}, {"data", {1, 2}}}));
  EXPECT_EQ(sib("(receive-json \"js\" (object :a 1))"),
            (json{{"_type", "MetaObject"}, {"source", "js"}, {"data", {{"a", 1}}}}));
  EXPECT_EQ(sib("(get (receive-json \"sh\" \"[3]\") :source)"), "sh");
}

// py, sh and meta have no handler in this process (js has one: test_meta.cpp registers it).
TEST(MetaSeed, SendJsonWithoutAHandlerPrintsInThatRuntimeAndGivesNull) {
  testing::internal::CaptureStdout();
  json replies = json::array();
  for (const char* rt : {"py", "sh", "meta"}) {
    replies.push_back(sib(std::string("(send-json \"") + rt + "\" (object :msg \"hello\" :lang \"" + rt + "\"))"));
  }
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(replies, json::parse("[null, null, null]"));
  EXPECT_EQ(out,
            "{\"lang\":\"py\",\"msg\":\"hello\"}\n"
            "{\"lang\":\"sh\",\"msg\":\"hello\"}\n"
            "{\"lang\":\"meta\",\"msg\":\"hello\"}\n");
}
