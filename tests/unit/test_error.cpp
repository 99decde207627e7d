// The error family and its JSON envelope.
#include <promethean/article.hpp>
#include <promethean/error.hpp>

#include <gtest/gtest.h>

using namespace promethean;

TEST(Error, EnvelopeRoundTrip) {
  python_error e("ZeroDivisionError", "division by zero", "Traceback (most recent call last):\n  ...\n");
  auto j = e.to_json();
  EXPECT_EQ(j, (nlohmann::json{{"_type", "Error"},
                               {"runtime", "py"},
                               {"type", "ZeroDivisionError"},
                               {"message", "division by zero"},
                               {"trace", "Traceback (most recent call last):\n  ...\n"}}));
  auto back = error::from_json(j);
  EXPECT_EQ(back.runtime(), "py");
  EXPECT_EQ(back.type(), "ZeroDivisionError");
  EXPECT_EQ(back.message(), "division by zero");
  EXPECT_EQ(back.trace(), e.trace());
  EXPECT_STREQ(e.what(), "py ZeroDivisionError: division by zero");
}

TEST(Error, LocationIsPartOfWhatAndOfTheEnvelope) {
  script_error e("UnboundSymbol", "unknown symbol 'foo'", source_location{"demo.sib", 3, 7});
  EXPECT_STREQ(e.what(), "demo.sib:3:7: meta UnboundSymbol: unknown symbol 'foo'");
  auto j = e.to_json();
  EXPECT_EQ(j["file"], "demo.sib");
  EXPECT_EQ(j["line"], 3);
  EXPECT_EQ(j["column"], 7);
  auto back = error::from_json(j);
  ASSERT_TRUE(back.location());
  EXPECT_EQ(back.location()->column, 7);
}

TEST(Error, DescribeAppendsTheTrace) {
  js_error e("TypeError", "x is not a function", "TypeError: x is not a function\n    at <anonymous>:1:1");
  EXPECT_EQ(e.describe(), "js TypeError: x is not a function\nTypeError: x is not a function\n    at <anonymous>:1:1\n");
}

TEST(Error, EveryKindIsAPrometheanError) {
  EXPECT_THROW(throw usage_error("x"), error);
  EXPECT_THROW(throw buffer_error("x"), error);
  EXPECT_THROW(throw message_error("x"), error);
  EXPECT_THROW(throw shell_error("T", "x"), error);
  EXPECT_THROW(throw plugin_error("Panic", "x"), error);
  EXPECT_EQ(plugin_error("Panic", "x").runtime(), "rust");
  EXPECT_EQ(shell_error("T", "x").runtime(), "sh");
}

TEST(Error, FromJsonRefusesNonEnvelopes) {
  EXPECT_THROW(error::from_json(nlohmann::json{{"message", "x"}}), message_error);
  EXPECT_THROW(error::from_json(nlohmann::json("Error")), message_error);
}

TEST(Error, TypeNamesInMessagesTakeTheRightArticle) {
  EXPECT_EQ(with_article("Error"), "an Error");
  EXPECT_EQ(with_article("object"), "an object");
  EXPECT_EQ(with_article("A"), "an A");
  EXPECT_EQ(with_article("int8"), "an int8");
  EXPECT_EQ(with_article("Map"), "a Map");
  EXPECT_EQ(with_article("symbol"), "a symbol");
  EXPECT_EQ(with_article("Fraction"), "a Fraction");
  // A "u" said "you" takes "a"; other u's "an".
  EXPECT_EQ(with_article("uint8"), "a uint8");
  EXPECT_EQ(with_article("Uint8Array"), "a Uint8Array");
  EXPECT_EQ(with_article("UUID"), "a UUID");
  EXPECT_EQ(with_article("Union"), "a Union");
  EXPECT_EQ(with_article("undefined"), "an undefined");
  EXPECT_EQ(with_article(""), "a ");
}
