// The meta language's reader: every kind of syntax, and every error with its line and column.
#include "meta/reader.hpp"

#include "../support/raised.hpp"

#include <gtest/gtest.h>

using namespace promethean;
using promethean::meta::node;
using promethean::meta::read_all;
using promethean::testing_support::raised;

namespace {
std::string shown(std::string_view src) {
  std::string out;
  for (const auto& n : read_all(src, "t.sib")) out += (out.empty() ? "" : " | ") + n.show();
  return out;
}
}  // namespace

TEST(MetaReader, AtomsListsArraysAndComments) {
  auto forms = read_all("; a comment\n(def x 42) [1 -2.5 1e3 true false null :key buffer.shape py:fn]\n\"s\"", "t.sib");
  ASSERT_EQ(forms.size(), 3u);
  EXPECT_EQ(forms[0].type, node::kind::list);
  EXPECT_TRUE(forms[0].items[0].is_symbol("def"));
  EXPECT_EQ(forms[0].items[2].integer, 42);
  EXPECT_EQ(forms[1].type, node::kind::array);
  EXPECT_EQ(forms[1].items.size(), 9u);
  EXPECT_EQ(forms[2].type, node::kind::string);
  EXPECT_EQ(forms[2].text, "s");
}

TEST(MetaReader, NumbersBooleansNullKeywordsSymbols) {
  auto a = read_all("[1 -2.5 1e3 +7 true false null :key buffer.shape py:fn - .5]", "t.sib")[0].items;
  EXPECT_EQ(a[0].integer, 1);
  EXPECT_EQ(a[1].type, node::kind::real);
  EXPECT_EQ(a[1].real, -2.5);
  EXPECT_EQ(a[2].real, 1000.0);
  EXPECT_EQ(a[3].integer, 7);
  EXPECT_TRUE(a[4].boolean);
  EXPECT_EQ(a[5].type, node::kind::boolean);
  EXPECT_EQ(a[6].type, node::kind::null);
  EXPECT_EQ(a[7].type, node::kind::keyword);
  EXPECT_EQ(a[7].text, "key");
  EXPECT_TRUE(a[8].is_symbol("buffer.shape"));
  EXPECT_TRUE(a[9].is_symbol("py:fn"));
  EXPECT_TRUE(a[10].is_symbol("-"));
  EXPECT_EQ(a[11].real, 0.5);
}

TEST(MetaReader, StringEscapes) {
  auto s = read_all(R"("tab\t nl\n quote\" back\\ slash\/ \u00e9 \ud83d\ude00")", "t.sib")[0];
  EXPECT_EQ(s.type, node::kind::string);
  EXPECT_EQ(s.text, "tab\t nl\n quote\" back\\ slash/ \xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(MetaReader, TheQuoteFamily) {
  EXPECT_EQ(shown("'x `(a ,b ,@c)"), "(quote x) | (quasiquote (a (unquote b) (unquote-splicing c)))");
}

TEST(MetaReader, PositionsAreKept) {
  auto forms = read_all("\n  (print\n    \"hi\")", "t.sib");
  EXPECT_EQ(forms[0].where.line, 2);
  EXPECT_EQ(forms[0].where.column, 3);
  EXPECT_EQ(forms[0].items[1].where.line, 3);
  EXPECT_EQ(forms[0].items[1].where.column, 5);
  EXPECT_EQ(forms[0].where.file, "t.sib");
}

TEST(MetaReader, ErrorsNameFileLineAndColumn) {
  auto unclosed = raised<script_error>([] { read_all("(def x\n  (+ 1 2)", "bad.sib"); });
  EXPECT_EQ(unclosed.runtime(), "meta");
  EXPECT_EQ(unclosed.type(), "SyntaxError");
  EXPECT_EQ(unclosed.message(), "unclosed '(' opened at line 1, column 1");
  ASSERT_TRUE(unclosed.location());
  EXPECT_EQ(unclosed.location()->file, "bad.sib");
  EXPECT_EQ(unclosed.location()->line, 1);
  auto stray = raised<script_error>([] { read_all("(a)\n  )", "bad.sib"); });
  EXPECT_EQ(stray.message(), "unexpected ')' (nothing is open)");
  EXPECT_EQ(stray.location()->line, 2);
  EXPECT_EQ(stray.location()->column, 3);
  auto mismatch = raised<script_error>([] { read_all("(a [b)", "bad.sib"); });
  EXPECT_EQ(mismatch.message(), "')' closes the '[' opened at line 1, column 4, which needs ']'");
  auto string = raised<script_error>([] { read_all("(print \"never closed)", "bad.sib"); });
  EXPECT_EQ(string.message(), "unterminated string opened at line 1, column 8");
  auto escape = raised<script_error>([] { read_all(R"("\q")", "bad.sib"); });
  EXPECT_EQ(escape.message(), "unknown escape '\\q' in a string");
  auto big = raised<script_error>([] { read_all("99999999999999999999", "bad.sib"); });
  EXPECT_EQ(big.message(), "integer 99999999999999999999 does not fit in 64 bits");
  auto nan = raised<script_error>([] { read_all("1.2.3", "bad.sib"); });
  EXPECT_EQ(nan.message(), "'1.2.3' is not a number");
  EXPECT_NE(std::string(nan.what()).find("bad.sib:1:1"), std::string::npos) << nan.what();
}

// Found by fuzzing (fuzz/regressions/meta_eval, fuzz/regressions/meta_reader): every string a form
// holds is UTF-8, so that every value prints as JSON; and what a form shows reads back as it.
TEST(MetaReader, SourceAndEscapesAreUtf8) {
  auto raw = raised<script_error>([] { read_all("(print \"a\xFF\")", "bad.sib"); });
  EXPECT_EQ(raw.message(), "the source is not UTF-8 (byte 0xFF)");
  EXPECT_NE(std::string(raw.what()).find("bad.sib:1:10"), std::string::npos) << raw.what();
  auto lone = raised<script_error>([] { read_all(R"("\ud800")", "bad.sib"); });
  EXPECT_EQ(lone.type(), "SyntaxError");
  auto unpaired = raised<script_error>([] { read_all(R"("\ud800\u0041")", "bad.sib"); });
  EXPECT_EQ(unpaired.type(), "SyntaxError");
  EXPECT_EQ(read_all(R"("\ud83d\ude00 é")", "ok.sib")[0].text, "\xF0\x9F\x98\x80 \xC3\xA9");
  // JSON's escapes, all of them: what marshal("meta") writes (found by fuzzing).
  EXPECT_EQ(read_all(R"("\b\f\n\r\t\/\u0000")", "ok.sib")[0].text, std::string("\b\f\n\r\t/\0", 7));
}

TEST(MetaReader, AnIntegralRealShowsAsAReal) {
  EXPECT_EQ(shown("3.0 -0.0 123456789012345680000.0 1e300 2.5"), "3.0 | -0.0 | 123456789012345683968.0 | 1e+300 | 2.5");
}

TEST(MetaReader, IncompleteInputIsToldFromErrors) {
  EXPECT_NE(meta::incomplete("(def x"), "");
  EXPECT_NE(meta::incomplete("\"open string"), "");
  EXPECT_EQ(meta::incomplete("(def x 1)"), "");
  EXPECT_EQ(meta::incomplete(")"), "");  // an error, not more input needed
}

TEST(MetaReader, FormsNestedAMillionDeepAreASyntaxErrorNamingTheLimit) {
  // Issue 24: 20,000 levels overflowed the native stack. Every way of nesting is bounded.
  const std::size_t deep = 1'000'000;
  for (const auto& [open, close] : {std::pair<std::string, std::string>{"(", ")"}, {"[", "]"}, {"'", ""}}) {
    std::string src;
    src.reserve(deep * 2 + 8);
    for (std::size_t i = 0; i < deep; ++i) src += open;
    src += "x";
    for (std::size_t i = 0; i < deep; ++i) src += close;
    auto e = raised<script_error>([&] { read_all(src, "deep.sib"); });
    EXPECT_EQ(e.type(), "SyntaxError") << e.what();
    EXPECT_NE(std::string(e.what()).find("nested deeper than " + std::to_string(meta::k_max_nesting)),
              std::string::npos)
        << e.what();
  }
  // At the limit, it reads.
  std::string ok;
  for (int i = 0; i < meta::k_max_nesting; ++i) ok += "(";
  for (int i = 0; i < meta::k_max_nesting; ++i) ok += ")";
  EXPECT_EQ(read_all(ok, "t.sib").size(), 1u);
}
