// The meta language through the meta runtime: core forms, the router forms reaching py, js and
// sh, buffers, and errors that name their line and column.
#include "../support/raised.hpp"

#include <promethean/buffer/buffer_json.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "meta_fixture.hpp"

#include <gtest/gtest.h>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::raised;

TEST(MetaCore, DefFnLetIfWhenDo) {
  EXPECT_EQ(sib("(def x 40) (+ x 2)"), 42);
  EXPECT_EQ(sib("(def add (a b) (+ a b)) (add 1 2)"), 3);
  EXPECT_EQ(sib("(var y 5) (def twice (fn (v) (* 2 v))) (twice y)"), 10);
  EXPECT_EQ(sib("(let ((a 3) (b 4)) (+ (* a a) (* b b)))"), 25);
  EXPECT_EQ(sib("(let [a 2 b (* a 10)] b)"), 20);
  EXPECT_EQ(sib("(if (> 2 1) \"yes\" \"no\")"), "yes");
  EXPECT_EQ(sib("(if false 1)"), nullptr);
  EXPECT_EQ(sib("(when (= 1 1) 7 8)"), 8);
  EXPECT_EQ(sib("(do 1 2 3)"), 3);
  EXPECT_EQ(sib("(def count-args (first &rest more) (length more)) (count-args 1 2 3)"), 2);
  EXPECT_EQ(sib("(def fact (n) (if (<= n 1) 1 (* n (fact (- n 1))))) (fact 10)"), 3628800);
}

TEST(MetaCore, ValuesArithmeticComparisonAndData) {
  EXPECT_EQ(sib("[1 2.5 \"s\" true null :k]"), json::parse(R"([1, 2.5, "s", true, null, ":k"])"));
  EXPECT_EQ(sib("(/ 7 2)"), 3.5);
  EXPECT_EQ(sib("(/ 8 2)"), 4);
  EXPECT_EQ(sib("(% 7 3)"), 1);
  EXPECT_EQ(sib("(- 5)"), -5);
  EXPECT_EQ(sib("(< 1 2 3)"), true);
  EXPECT_EQ(sib("(!= 1 1)"), false);
  EXPECT_EQ(sib("(and 1 \"x\" null)"), nullptr);
  EXPECT_EQ(sib("(or false 0 \"first\")"), "first");
  EXPECT_EQ(sib("(not 0)"), true);
  EXPECT_EQ(sib("(str \"a\" 1 [2])"), "a1[2]");
  EXPECT_EQ(sib("(quote (f :k [1 x]))"), json::parse(R"(["f", ":k", [1, "x"]])"));
  EXPECT_EQ(sib("(object :msg \"hello\" :lang \"js\")"), (json{{"msg", "hello"}, {"lang", "js"}}));
  EXPECT_EQ(sib("(json.stringify (object :a [1 2]))"), R"({"a":[1,2]})");
  EXPECT_EQ(sib("(get (json.parse \"{\\\"k\\\": [5, 6]}\") :k)"), json::parse("[5, 6]"));
  EXPECT_EQ(sib("(def cfg (object :size (object :w 3))) cfg.size.w"), 3);
  EXPECT_EQ(sib("(get [10 20 30] 1)"), 20);
}

TEST(MetaRouter, EvalInCallSendJsonAndMetaObject) {
  auto r = sib("(eval-in \"py\" \"6 * 7\")");
  EXPECT_EQ(r, (json{{"_type", "MetaObject"}, {"source", "py"}, {"data", 42}}));
  EXPECT_EQ(sib("(get (eval-in \"js\" \"[1, 2].map(x => x * 10)\") :data)"), json::parse("[10, 20]"));
  // A value that cannot cross: the code ran, the MetaObject's data is null (issue 27 item 4).
  EXPECT_EQ(sib("(eval-in \"js\" \"globalThis.metaMap = new Map([[1, 2]])\")"),
            (json{{"_type", "MetaObject"}, {"source", "js"}, {"data", nullptr}}));
  EXPECT_EQ(sib("(get (eval-in \"js\" \"metaMap.get(1)\") :data)"), 2);
  EXPECT_EQ(sib("(get (eval-in \"py\" \"object()\") :data)"), nullptr);
  EXPECT_EQ(sib("(call \"py\" \"math.hypot\" 3 4)"), 5.0);
  EXPECT_EQ(sib("(call \"js\" \"Math.max\" 1 9 4)"), 9);
  EXPECT_EQ(sib("(MetaObject \"sh\" 5)"), (json{{"_type", "MetaObject"}, {"source", "sh"}, {"data", 5}}));
  g_host->eval("js", "promethean.onMessage((m) => ({ got: m.msg, lang: 'js' }))");
  EXPECT_EQ(sib("(send-json \"js\" (object :msg \"hello\" :lang \"js\"))"), (json{{"got", "hello"}, {"lang", "js"}}));
  EXPECT_EQ(sib("(get (receive-json \"py\" \"[1, 2]\") :source)"), "py");
  // A meta function passed to Python is callable there.
  g_host->define("py", {"apply_each", {"f", "xs"}, "[f(x) for x in xs]"});
  EXPECT_EQ(sib("(def inc (x) (+ x 1)) (call \"py\" \"apply_each\" inc [1 2 3])"), json::parse("[2, 3, 4]"));
  auto map = sib("runtime-dispatch");
  for (const char* rt : {"meta", "py", "js", "sh", "rust"}) {
    EXPECT_TRUE(map.contains(rt)) << rt;
    EXPECT_TRUE(map[rt].contains("eval") && map[rt].contains("marshal") && map[rt].contains("version")) << rt;
  }
}

TEST(MetaRouter, KeywordsWrittenInACallFormAreTheFunctionsKeywordArguments) {
  EXPECT_EQ(sib("(call \"py\" \"sorted\" [3 1 2] :reverse true)"), json::parse("[3, 2, 1]"));
  // :timeout stays the call's time limit, wherever it is among the keywords.
  EXPECT_EQ(sib("(call \"py\" \"sorted\" [3 1 2] :timeout 5 :reverse true)"), json::parse("[3, 2, 1]"));
  EXPECT_EQ(sib("(call \"py\" \"int\" \"ff\" :base 16)"), 255);
  // A JS function gets them as a last plain object; a keyword that an argument evaluated to is a value.
  g_host->eval("js", "globalThis.kwOptions = (a, o) => [a, o]");
  EXPECT_EQ(sib("(call \"js\" \"kwOptions\" 1 :z 3 :b 2)"), json::parse(R"([1, {"b": 2, "z": 3}])"));
  EXPECT_EQ(sib("(def k :x) (call \"js\" \"kwOptions\" k)"), json::parse(R"([":x", null])"));
  EXPECT_EQ(sib("(await (call-async \"py\" \"sorted\" [2 9 4] :reverse true))"), json::parse("[9, 4, 2]"));
  auto after = raised<script_error>([] { sib("(call \"py\" \"sorted\" :reverse true [3 1 2])"); });
  EXPECT_EQ(after.type(), "SyntaxError");
  EXPECT_EQ(after.message(), "a positional argument after keyword arguments (write :name value pairs last)");
  ASSERT_TRUE(after.location());
  EXPECT_EQ(after.location()->column, 35);  // the [3 1 2] after :reverse true
  auto missing = raised<script_error>([] { sib("(call \"py\" \"sorted\" [1] :reverse)"); });
  EXPECT_EQ(missing.message(), ":reverse needs a value after it");
  auto twice = raised<script_error>([] { sib("(call \"py\" \"sorted\" [1] :reverse true :reverse false)"); });
  EXPECT_EQ(twice.message(), "keyword argument :reverse given twice");
  auto sh = raised([] { sib("(call \"sh\" \"echo\" 1 :x 2)"); });
  EXPECT_EQ(sh.type(), "TypeError");
  EXPECT_EQ(sh.message(), "sh function echo takes no keyword arguments (got x); pass them positionally");
}

TEST(MetaRouter, BuffersStayZeroCopyThroughEveryForm) {
  sib("(register-buffer-type \"SibRGB\" :layout [height width channels] :format \"uint8\" :channels 3)");
  EXPECT_EQ(sib("(def image (buffer.create \"SibRGB\" :height 256 :width 256)) (buffer.shape image)"),
            json::parse("[256, 256, 3]"));
  auto info = sib("(buffer.info image)");
  EXPECT_EQ(info["type"], "SibRGB");
  // Python writes into the buffer the script made; the script reads it back through the same memory.
  g_host->eval("py", "import promethean\ndef paint(a):\n    a[0, 0, 0] = 99\n    return int(a.ctypes.data)");
  g_host->define("py", {"paint_it", {"a"}, "paint(a)"});
  auto address = sib("(call \"py\" \"paint_it\" image)");
  EXPECT_EQ(address, info["address"]);
  EXPECT_EQ(sib("(call \"py\" \"int\" (call \"py\" \"numpy.sum\" image))"), 99);
  // A view registered by py, asked for by the script.
  g_host->eval("py", "promethean.register_view('SibRGB', 'red', lambda a: a[:, :, 0])");
  EXPECT_EQ(sib("(buffer.shape (buffer.view image \"red\"))"), json::parse("[256, 256]"));
  EXPECT_EQ(sib("(buffer.shape (buffer.create \"float32\" :rows 2 :cols 3))"), json::parse("[2, 3]"));
}

TEST(MetaErrors, EveryErrorNamesItsLineAndColumn) {
  auto unknown = raised<script_error>([] { sib("(def a 1)\n  (print nope)"); });
  EXPECT_EQ(unknown.type(), "NameError");
  ASSERT_TRUE(unknown.location());
  EXPECT_EQ(unknown.location()->line, 2);
  EXPECT_EQ(unknown.location()->column, 10);
  auto arity = raised<script_error>([] { sib("(def two (a b) a)\n(two 1)"); });
  EXPECT_EQ(arity.type(), "ArityError");
  EXPECT_EQ(arity.message(), "two expects 2 arguments, got 1");
  auto syntax = raised<script_error>([] { sib("(print (+ 1 2)"); });
  EXPECT_EQ(syntax.type(), "SyntaxError");
  auto foreign = raised([] { sib("\n\n   (eval-in \"py\" \"1/0\")"); });
  EXPECT_EQ(foreign.runtime(), "py");
  EXPECT_EQ(foreign.type(), "ZeroDivisionError");
  ASSERT_TRUE(foreign.location());
  EXPECT_EQ(foreign.location()->line, 3);
  EXPECT_EQ(foreign.location()->column, 4);
  EXPECT_NE(foreign.trace().find("Traceback"), std::string::npos);
  auto type = raised<script_error>([] { sib("(+ 1 \"a\")"); });
  EXPECT_EQ(type.type(), "TypeError");
  auto not_fn = raised<script_error>([] { sib("(def v 3) (v 1)"); });
  EXPECT_NE(not_fn.message().find("is not a function"), std::string::npos);
  EXPECT_EQ(sib("(+ 1 1)"), 2);  // and the runtime goes on
}

TEST(MetaRouter, FnFormsDefineInTheTargetRuntimeAndBindAProxy) {
  // Source-text bodies.
  EXPECT_EQ(sib("(py:fn py_greet (who) \"'hello ' + who\") (py_greet \"py\")"), "hello py");
  EXPECT_EQ(sib("(js:fn jsTwice (x) \"x * 2\") (jsTwice 21)"), 42);
  EXPECT_EQ(sib("(sh:fn sh_echo (word) \"echo \\\"sh says $word\\\"\") (sh_echo \"hi\")"), "sh says hi");
  // S-expression bodies rendered into Python and JS.
  EXPECT_EQ(sib("(py:fn hyp (a b) (math.sqrt (+ (* a a) (* b b)))) (hyp 3 4)"), 5.0);
  EXPECT_EQ(sib("(js:fn pick (c a b) (if (> c 0) (Math.max a b) (Math.min a b))) [(pick 1 3 9) (pick -1 3 9)]"),
            json::parse("[9, 3]"));
  EXPECT_EQ(sib("(py:fn label (x) (if (= x 0) \"zero\" (str \"n=\" x))) [(label 0) (label 5)]"),
            json::parse(R"(["zero", "n=5"])"));
  // The functions are real in their runtimes: callable by name from anywhere.
  EXPECT_EQ(g_host->call("py", "hyp", json::array({6, 8})).value(), 10.0);
  EXPECT_EQ(g_host->call("js", "jsTwice", json::array({5})).value(), 10);
  auto bad = raised<script_error>([] { sib("(sh:fn bad (x) (+ x 1))"); });
  EXPECT_NE(bad.message().find("shell source text"), std::string::npos);
}

TEST(MetaMacro, MacroWithQuasiquoteAndRestArguments) {
  sib("(macro unless (test &rest body) `(if ,test null (do ,@body)))");
  EXPECT_EQ(sib("(unless false 1 2 3)"), 3);
  EXPECT_EQ(sib("(unless true (undefined-name))"), nullptr);  // the body is never evaluated
  // The expansion is code: a macro can define things.
  sib("(macro defconst (name value) `(def ,name ,value))");
  EXPECT_EQ(sib("(defconst seven 7) (* seven 6)"), 42);
  // Inside a function body the macro expands when the function is defined.
  EXPECT_EQ(sib("(def sign (x) (unless (>= x 0) \"negative\")) [(sign -2) (sign 2)]"), json::parse(R"(["negative", null])"));
  // gensym keeps a macro's own names from capturing the caller's.
  sib("(macro with-double (name value &rest body) (let ((tmp (gensym \"v\"))) `(let ((,tmp ,value) (,name (* 2 ,tmp))) ,@body)))");
  EXPECT_EQ(sib("(def v__1 100) (with-double d 21 d)"), 42);
}

TEST(MetaErrors, AnErrorInAFunctionNamesWhereItWasDefinedAndEachCallSite) {
  // In meta: located in the body, and the trace names each call on the way out, innermost first.
  auto meta = raised<script_error>([] { sib("(def inner (x)\n  (nope x))\n(def outer (y)\n  (inner y))\n(outer 4)"); });
  EXPECT_EQ(meta.type(), "NameError");
  ASSERT_TRUE(meta.location());
  EXPECT_EQ(meta.location()->line, 2);
  EXPECT_EQ(meta.trace(),
            "  in inner (defined at <eval>:1:1), called at <eval>:4:3\n  in outer (defined at <eval>:3:1), called at <eval>:5:1");
  // In a js:fn: the JS error, at the definition, with the call site in its trace.
  auto js = raised([] { sib("(js:fn boom (x) \"{ throw new RangeError('bad ' + x) }\")\n\n(boom 2)"); });
  EXPECT_EQ(js.runtime(), "js");
  EXPECT_EQ(js.type(), "RangeError");
  ASSERT_TRUE(js.location());
  EXPECT_EQ(js.location()->line, 1);
  EXPECT_NE(js.trace().find("RangeError: bad 2"), std::string::npos) << js.trace();
  EXPECT_NE(js.trace().find("\n  in boom (defined at <eval>:1:1), called at <eval>:3:1"), std::string::npos) << js.trace();
}

TEST(MetaMacro, QuasiquoteMakesCodeDataThatRoundTrips) {
  EXPECT_EQ(sib("(def x 5) `(a ,x ,@[1 2] \"s\" :k [x])"), json::parse(R"([{"_type": "Symbol", "name": "a"}, 5, 1, 2, "s", ":k",
                                                                         {"_type": "Array", "items": [{"_type": "Symbol", "name": "x"}]}])"));
  EXPECT_EQ(sib("(symbol.name (symbol \"buffer.shape\"))"), "buffer.shape");
  EXPECT_EQ(sib("[(symbol? (symbol \"a\")) (symbol? \"a\")]"), json::parse("[true, false]"));
  // Nested quasiquote: the inner unquote stays for the inner level.
  EXPECT_EQ(sib("``(a ,,x)"), json::parse(R"([{"_type": "Symbol", "name": "quasiquote"},
      [{"_type": "Symbol", "name": "a"}, [{"_type": "Symbol", "name": "unquote"}, 5]]])"));
  // A macro's arguments arrive as code data.
  sib("(macro show-code (form) `(quote ,form))");
  EXPECT_EQ(sib("(show-code (f 1 \"two\"))"), json::parse(R"(["f", 1, "two"])"));
  // A buffer spliced into code is the same buffer, not a copy.
  sib("(def spliced (buffer.create \"float32\" :n 4)) (macro the-buffer () `(do ,spliced))");
  EXPECT_EQ(sib("(get (buffer.info (the-buffer)) :address)"), sib("(get (buffer.info spliced) :address)"));
}

TEST(MetaMacro, MetaBlocksRunAtExpansionTimeOnce) {
  sib("(def expansions 0)");
  sib("(def five () (meta (def expansions (+ expansions 1)) 5))");
  EXPECT_EQ(sib("expansions"), 1);
  EXPECT_EQ(sib("[(five) (five) (five)]"), json::parse("[5, 5, 5]"));
  EXPECT_EQ(sib("expansions"), 1);  // not once per call
  // The code a meta block returns is what runs.
  EXPECT_EQ(sib("(meta (list (symbol \"+\") 40 2))"), 42);
  EXPECT_EQ(sib("(meta `(str ,(+ 1 2) \"!\"))"), "3!");
}

TEST(MetaMacro, MacroErrorsNameTheirLineAndColumn) {
  auto outside = raised<script_error>([] { sib("(def y 1)\n  ,y"); });
  EXPECT_EQ(outside.type(), "SyntaxError");
  EXPECT_NE(outside.message().find("only makes sense inside a quasiquote"), std::string::npos);
  EXPECT_EQ(outside.location()->line, 2);
  sib("(macro forever () `(forever))");
  auto loop = raised<script_error>([] { sib("\n(forever)"); });
  EXPECT_EQ(loop.type(), "RecursionError");
  EXPECT_EQ(loop.location()->line, 2);
  sib("(macro two-args (a b) a)");
  auto arity = raised<script_error>([] { sib("(do\n  (two-args 1))"); });
  EXPECT_EQ(arity.type(), "ArityError");
  EXPECT_EQ(arity.location()->line, 2);
  EXPECT_EQ(arity.location()->column, 3);
  auto special = raised<script_error>([] { sib("(macro if (a) a)"); });
  EXPECT_NE(special.message().find("special form"), std::string::npos);
  auto splice = raised<script_error>([] { sib("`(a ,@5)"); });
  EXPECT_EQ(splice.type(), "TypeError");
}

TEST(MetaCore, ListBuiltinsAndHexMarshalExit) {
  EXPECT_EQ(sib("(map (fn (x) (* x x)) (range 1 5))"), json::parse("[1, 4, 9, 16]"));
  EXPECT_EQ(sib("(range 3)"), json::parse("[0, 1, 2]"));
  EXPECT_EQ(sib("(map (fn (x) (call \"py\" \"str\" x)) [1 2])"), json::parse(R"(["1", "2"])"));
  g_host->eval("js", "globalThis.triple = (x) => 3 * x");
  EXPECT_EQ(sib("(def js-triple (get (eval-in \"js\" \"triple\") :data)) (map js-triple [1 2])"), json::parse("[3, 6]"));
  EXPECT_EQ(sib("(keys (object :b 1 :a 2))"), json::parse(R"(["a", "b"])"));
  EXPECT_EQ(sib("(hex 255)"), "0xff");
  EXPECT_EQ(sib("(marshal \"py\" [true null 1.5])"), "[True, None, 1.5]");
  EXPECT_EQ(sib("(marshal \"js\" [true null 1.5])"), "[true, null, 1.5]");
  auto exit = raised([] { sib("(exit 3)"); });
  EXPECT_EQ(exit.type(), "SystemExit");
  EXPECT_EQ(exit.message(), "exit status 3");
  try {  // typed, so that the REPL reads the status, not the message
    sib("(exit 3)");
    ADD_FAILURE() << "(exit 3) did not throw";
  } catch (const exit_error& e) {
    EXPECT_EQ(e.status(), 3);
  }
  EXPECT_EQ(raised<script_error>([] { sib("(map 1 2)"); }).type(), "TypeError");
  EXPECT_EQ(raised<script_error>([] { sib("(hex -1)"); }).type(), "TypeError");
}

TEST(MetaLimits, CodeAndJsonNestedAMillionDeepAreErrorsNamingTheLimit) {
  // Issue 24: (quote (((…)))) 20,000 deep overflowed the native stack.
  const std::size_t deep = 1'000'000;
  const std::string quoted = "(quote " + std::string(deep, '(') + std::string(deep, ')') + ")";
  auto code = raised<script_error>([&] { sib(quoted); });
  EXPECT_EQ(code.type(), "SyntaxError") << code.what();
  EXPECT_NE(std::string(code.what()).find("nested deeper than 1000 levels"), std::string::npos) << code.what();
  // JSON text, parsed by json.parse and receive-json: refused before any value is built.
  const std::string text = std::string(deep, '[') + std::string(deep, ']');
  for (const std::string form : {"(json.parse text)", "(receive-json \"py\" text)"}) {
    auto e = raised<error>([&] { sib("(def text " + json(text).dump() + ") " + form); });
    EXPECT_NE(std::string(e.what()).find("nested deeper than 512 levels"), std::string::npos) << form << ": " << e.what();
  }
  // Moderately deep code and data still work, and the runtime goes on.
  EXPECT_EQ(sib("(quote " + std::string(500, '(') + "1" + std::string(500, ')') + ")").dump(),
            std::string(500, '[') + "1" + std::string(500, ']'));
  EXPECT_EQ(sib("(+ 1 2)"), 3);
}
