// The JSON-to-source-literal walk that the py, js and meta `marshal` entries share.
#include <promethean/host/source_literal.hpp>

#include <gtest/gtest.h>

using promethean::literal_spelling;
using promethean::source_literal;
using json = nlohmann::json;

TEST(SourceLiteral, JsonSpellingByDefault) {
  const json v = json::parse(R"({"a": [1, null, true, false, "x\"y"], "b": 2.5, "c": {}})");
  EXPECT_EQ(source_literal(v, {}), R"({"a": [1, null, true, false, "x\"y"], "b": 2.5, "c": {}})");
  EXPECT_EQ(source_literal(json::array(), {}), "[]");
}

TEST(SourceLiteral, TheLanguageSpellsNullAndBooleans) {
  const literal_spelling python{.null_value = "None", .true_value = "True", .false_value = "False"};
  EXPECT_EQ(source_literal(json::parse(R"([null, true, [false]])"), python), "[None, True, [False]]");
}

TEST(SourceLiteral, BigIntegersTakeTheSuffixAtAnyDepth) {
  const literal_spelling js{.big_integer_suffix = "n"};
  const json v = json::parse(R"([9007199254740991, 9007199254740993, -9007199254740993, {"u": 18446744073709551615}])");
  EXPECT_EQ(source_literal(v, js), R"([9007199254740991, 9007199254740993n, -9007199254740993n, {"u": 18446744073709551615n}])");
  EXPECT_EQ(source_literal(v, {}), R"([9007199254740991, 9007199254740993, -9007199254740993, {"u": 18446744073709551615}])");
}

// Found by fuzzing (fuzz/regressions/crossing/proto_key_in_a_js_literal.bin): JS's literal
// {"__proto__": 1} has no own key __proto__; {["__proto__"]: 1} does.
TEST(SourceLiteral, TheProtoKeyIsWrittenAsTheLanguageNeedsForAnOwnProperty) {
  const literal_spelling js{.big_integer_suffix = "n", .proto_key = R"(["__proto__"])"};
  const json v = json::parse(R"({"__proto__": {"polluted": 1}, "a": [{"__proto__": null}]})");
  EXPECT_EQ(source_literal(v, js), R"({["__proto__"]: {"polluted": 1}, "a": [{["__proto__"]: null}]})");
  EXPECT_EQ(source_literal(v, {}), R"({"__proto__": {"polluted": 1}, "a": [{"__proto__": null}]})");
}

TEST(SourceLiteral, SeparatorsAndObjectBracketsAreTheLanguages) {
  const literal_spelling meta{.item_separator = " ",
                              .object_open = "(object",
                              .first_member_prefix = " ",
                              .member_separator = " ",
                              .key_value_separator = " ",
                              .object_close = ")"};
  EXPECT_EQ(source_literal(json::parse(R"({"a": [1, 2], "b": "x"})"), meta), R"((object "a" [1 2] "b" "x"))");
  EXPECT_EQ(source_literal(json::object(), meta), "(object)");
}
