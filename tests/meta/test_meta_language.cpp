// The meta language you can program in (issue 27): exact integers (an OverflowError past the
// int64/uint64 edges, never a wrap), strings counted in characters, try/catch/finally over every
// runtime's errors, set!, builtins as values, and the list and string operations.
#include "../support/raised.hpp"

#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include "meta_fixture.hpp"

#include <gtest/gtest.h>

using namespace promethean;
using nlohmann::json;
using promethean::testing_support::raised;

TEST(MetaNumbers, IntegersNeverWrap) {
  auto doubled = raised<script_error>([] { sib("(* 9223372036854775807 2)"); });
  EXPECT_EQ(doubled.type(), "OverflowError");
  EXPECT_EQ(doubled.message(), "integer overflow in (* 9223372036854775807 2)");
  EXPECT_EQ(raised<script_error>([] { sib("(- -9223372036854775807 9223372036854775807 9)"); }).type(), "OverflowError");
  EXPECT_EQ(raised<script_error>([] { sib("(* 4294967296 4294967296)"); }).type(), "OverflowError");
  EXPECT_EQ(sib("(def fact-n (n) (if (<= n 1) 1 (* n (fact-n (- n 1))))) (fact-n 20)"), 2432902008176640000);
  auto fact = raised<script_error>([] { sib("(fact-n 25)"); });
  EXPECT_EQ(fact.type(), "OverflowError");
  EXPECT_NE(fact.message().find("integer overflow in (*"), std::string::npos) << fact.message();
  // At the int64 edges: exact up to them, an OverflowError one past them.
  EXPECT_EQ(sib("(+ 9223372036854775806 1)"), INT64_MAX);
  EXPECT_EQ(sib("(- -9223372036854775807 1)"), INT64_MIN);
  EXPECT_EQ(raised<script_error>([] { sib("(+ 9223372036854775807 1)"); }).message(),
            "integer overflow in (+ 9223372036854775807 1)");
  EXPECT_EQ(raised<script_error>([] { sib("(- -9223372036854775808 1)"); }).type(), "OverflowError");
  EXPECT_EQ(raised<script_error>([] { sib("(- -9223372036854775808)"); }).type(), "OverflowError");
  EXPECT_EQ(sib("(/ 9223372036854775807 1)"), INT64_MAX);  // exact, not through a double
  EXPECT_EQ(sib("(/ 7 2)"), 3.5);
  EXPECT_EQ(sib("(% -9223372036854775808 -1)"), 0);
  // A uint64 from Python (past int64) plus 1 stays positive and exact; past uint64 it is an
  // OverflowError.
  EXPECT_EQ(sib("(- (get (eval-in \"py\" \"2**63\") :data) 1)"), INT64_MAX);
  EXPECT_EQ(sib("(+ (get (eval-in \"py\" \"2**63\") :data) 1)"), json(std::uint64_t{9223372036854775809ULL}));
  EXPECT_EQ(sib("(- (get (eval-in \"py\" \"2**64 - 1\") :data) 1)"), json(std::uint64_t{18446744073709551614ULL}));
  auto past = raised<script_error>([] { sib("(+ (get (eval-in \"py\" \"2**64 - 1\") :data) 1)"); });
  EXPECT_EQ(past.type(), "OverflowError");
  EXPECT_EQ(past.message(), "integer overflow in (+ 18446744073709551615 1)");
  EXPECT_EQ(sib("(* 1.5 2)"), 3.0);  // reals stay reals
  EXPECT_EQ(sib("(< 1 (get (eval-in \"py\" \"2**64 - 1\") :data))"), true);  // compared exactly too
  EXPECT_EQ(sib("(= -1 (get (eval-in \"py\" \"2**64 - 1\") :data))"), false);
}

TEST(MetaNumbers, StringsCountCharacters) {
  EXPECT_EQ(sib("(length \"héllo\")"), 5);
  EXPECT_EQ(sib("(length \"日本語😀\")"), 4);
  EXPECT_EQ(sib("(get \"héllo\" 1)"), "é");
  EXPECT_EQ(sib("(nth \"日本語\" 2)"), "語");
  EXPECT_EQ(sib("(slice \"héllo\" 1 3)"), "él");
  EXPECT_EQ(sib("(slice \"héllo\" -2)"), "lo");
  EXPECT_EQ(sib("(first \"éa\")"), "é");
  EXPECT_EQ(sib("(rest \"éa\")"), "a");
  EXPECT_EQ(sib("(split \"héé\" \"\")"), json::parse(R"(["h", "é", "é"])"));
  EXPECT_EQ(raised<script_error>([] { sib("(get \"héllo\" 5)"); }).type(), "IndexError");
}

TEST(MetaControl, TryCatchesErrorsOfEveryRuntime) {
  EXPECT_EQ(sib("(try (error \"boom \" 1) (catch e (get e :message)))"), "boom 1");
  EXPECT_EQ(sib("(try (+ 1 1) (catch e 0))"), 2);
  EXPECT_EQ(sib("(try (eval-in \"py\" \"1/0\") (catch e [(get e :runtime) (get e :type)]))"),
            json::parse(R"(["py", "ZeroDivisionError"])"));
  EXPECT_NE(sib("(try (eval-in \"py\" \"1/0\") (catch e (get e :trace)))").get<std::string>().find("Traceback"),
            std::string::npos);
  EXPECT_EQ(sib("(try (eval-in \"js\" \"null.x\") (catch e [(get e :runtime) (get e :type)]))"),
            json::parse(R"(["js", "TypeError"])"));
  EXPECT_EQ(sib("(try (call \"sh\" \"exit 3\") (catch e (get e :runtime)))"), "sh");
  EXPECT_EQ(sib("(try (nope) (catch e [(get e :type) (get e :line) (get e :column)]))"),
            json::parse(R"(["NameError", 1, 7])"));
  // A thrown value comes back as the envelope's value; a caught error thrown again keeps its type.
  EXPECT_EQ(sib("(try (throw (object :code 7)) (catch e (get (get e :value) :code)))"), 7);
  EXPECT_EQ(sib("(try (try (eval-in \"py\" \"{}['k']\") (catch e (throw e))) (catch e2 [(get e2 :runtime) (get e2 :type)]))"),
            json::parse(R"(["py", "KeyError"])"));
  EXPECT_EQ(sib("(try (eval-in \"js\" \"while (true) {}\" :timeout 0.2) (catch e [(get e :runtime) (get e :type)]))"),
            json::parse(R"(["js", "Timeout"])"));
  EXPECT_EQ(raised([] { sib("(try (exit 3) (catch e 1))"); }).type(), "SystemExit");  // exit passes
  auto uncaught = raised<script_error>([] { sib("(throw \"plain\")"); });
  EXPECT_EQ(uncaught.type(), "Error");
  EXPECT_EQ(uncaught.message(), "plain");
  auto rethrown = raised([] { sib("(try (eval-in \"py\" \"int('x')\") (catch e (throw e)))"); });
  EXPECT_EQ(rethrown.runtime(), "py");
  EXPECT_EQ(rethrown.type(), "ValueError");
}

TEST(MetaControl, FinallyRunsEitherWay) {
  EXPECT_EQ(sib("(def cleanups 0) (try 5 (finally (set! cleanups (+ cleanups 1))))"), 5);
  EXPECT_EQ(sib("(try (error \"x\") (catch e 6) (finally (set! cleanups (+ cleanups 1))))"), 6);
  auto passed = raised<script_error>([] { sib("(try (error \"through\") (finally (set! cleanups (+ cleanups 1))))"); });
  EXPECT_EQ(passed.message(), "through");
  auto from_handler = raised<script_error>([] { sib("(try (error \"a\") (catch e (error \"b\")) (finally (set! cleanups (+ cleanups 1))))"); });
  EXPECT_EQ(from_handler.message(), "b");
  EXPECT_EQ(sib("cleanups"), 4);
  EXPECT_EQ(raised<script_error>([] { sib("(try 1 (finally 2) (catch e 3))"); }).type(), "SyntaxError");
}

TEST(MetaControl, SetBangMutatesTheBindingAClosureCaptured) {
  EXPECT_EQ(sib("(def make-counter () (let ((n 0)) (fn () (set! n (+ n 1)) n)))"
                "(def counter (make-counter)) (counter) (counter) (counter)"),
            3);
  EXPECT_EQ(sib("(def other (make-counter)) (other)"), 1);  // each closure its own
  EXPECT_EQ(sib("(def total 0) (def add-to-total (x) (set! total (+ total x))) (add-to-total 5) (add-to-total 2) total"), 7);
  EXPECT_EQ(raised<script_error>([] { sib("(set! never-bound 1)"); }).type(), "NameError");
  EXPECT_EQ(sib("(cond (> 1 2) \"a\" (= 1 1) \"b\" else \"c\")"), "b");
  EXPECT_EQ(sib("(cond false 1 :else 2)"), 2);
  EXPECT_EQ(sib("(cond false 1)"), nullptr);
  EXPECT_EQ(sib("((lambda (x) (* x 3)) 4)"), 12);
}

TEST(MetaLists, BuiltinsAreValues) {
  EXPECT_EQ(sib("(reduce + 0 [1 2 3 4])"), 10);
  EXPECT_EQ(sib("(reduce * [1 2 3 4])"), 24);
  EXPECT_EQ(sib("(map - [1 2])"), json::parse("[-1, -2]"));
  EXPECT_EQ(sib("(apply + 1 [2 3])"), 6);
  EXPECT_EQ(sib("(def plus +) (plus 2 3)"), 5);
  EXPECT_EQ(sib("(map upper [\"a\" \"é\"])"), json::parse(R"(["A", "É"])"));
  // A builtin handed to Python is a function there too.
  EXPECT_EQ(sib("(call \"py\" \"functools.reduce\" + [1 2 3])"), 6);
  EXPECT_EQ(raised<script_error>([] { sib("(reduce + [])"); }).type(), "TypeError");
}

TEST(MetaLists, ListOperations) {
  EXPECT_EQ(sib("(filter (fn (x) (> x 1)) [1 2 3])"), json::parse("[2, 3]"));
  EXPECT_EQ(sib("(first [7 8])"), 7);
  EXPECT_EQ(sib("(first [])"), nullptr);
  EXPECT_EQ(sib("(rest [7 8 9])"), json::parse("[8, 9]"));
  EXPECT_EQ(sib("(nth [7 8 9] 2)"), 9);
  EXPECT_EQ(raised<script_error>([] { sib("(nth [7] 3)"); }).type(), "IndexError");
  EXPECT_EQ(sib("(cons 0 [1 2])"), json::parse("[0, 1, 2]"));
  EXPECT_EQ(sib("(concat [1] [] [2 3])"), json::parse("[1, 2, 3]"));
  EXPECT_EQ(sib("(slice [1 2 3 4] 1 -1)"), json::parse("[2, 3]"));
  EXPECT_EQ(sib("(range 0 10 3)"), json::parse("[0, 3, 6, 9]"));
  EXPECT_EQ(sib("(range 10 0 -3)"), json::parse("[10, 7, 4, 1]"));
  EXPECT_EQ(sib("(range 5 1)"), json::array());
  EXPECT_EQ(sib("(range -9223372036854775808 -9223372036854775806)"), json::parse("[-9223372036854775808, -9223372036854775807]"));
  EXPECT_EQ(raised<script_error>([] { sib("(range 0 10 0)"); }).type(), "ValueError");
  EXPECT_EQ(raised<script_error>([] { sib("(range -9223372036854775808 9223372036854775807)"); }).type(), "ValueError");
}

TEST(MetaStrings, StringOperations) {
  EXPECT_EQ(sib("(split \"a,b,,c\" \",\")"), json::parse(R"(["a", "b", "", "c"])"));
  EXPECT_EQ(sib("(split \"  two  words \")"), json::parse(R"(["two", "words"])"));
  EXPECT_EQ(sib("(join \", \" [\"a\" 1 [2]])"), "a, 1, [2]");
  EXPECT_EQ(sib("(upper \"héllo\")"), "HÉLLO");
  EXPECT_EQ(sib("(lower \"ÀB\")"), "àb");
  EXPECT_EQ(sib("(replace \"a-b-c\" \"-\" \"+\")"), "a+b+c");
  EXPECT_EQ(sib("(starts-with? \"promethean\" \"pro\")"), true);
  EXPECT_EQ(sib("(starts-with? \"p\" \"pro\")"), false);
  EXPECT_EQ(sib("(ends-with? \"script.sib\" \".sib\")"), true);
  EXPECT_EQ(sib("(ends-with? \"b\" \"ab\")"), false);
  EXPECT_EQ(sib("(contains? \"haystack\" \"st\")"), true);
  EXPECT_EQ(sib("(contains? [1 2] 3)"), false);
  EXPECT_EQ(sib("(contains? (object :k 1) :k)"), true);
  EXPECT_EQ(raised<script_error>([] { sib("(upper 1)"); }).type(), "TypeError");
}
