// docs/META.md's table "Every form and builtin, by example" is run here, row by row: each example
// must give its documented value (or raise its documented error type), and every special form and
// builtin the evaluator has ((forms)) must have a row, so the reference cannot drift from the code.
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

extern promethean::host* g_host;

using namespace promethean;
using nlohmann::json;

namespace {
struct row {
  std::string name, example, value;
  int line = 0;
};

/// A cell's code: `x` or ``x `` (double backticks around code that holds a backtick).
std::string code_of(std::string cell) {
  const auto first = cell.find_first_not_of(' ');
  const auto last = cell.find_last_not_of(' ');
  if (first == std::string::npos) return {};
  cell = cell.substr(first, last - first + 1);
  if (cell.size() >= 4 && cell.rfind("``", 0) == 0 && cell.substr(cell.size() - 2) == "``") {
    cell = cell.substr(2, cell.size() - 4);
    if (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
    if (!cell.empty() && cell.back() == ' ') cell.pop_back();
    return cell;
  }
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`') return cell.substr(1, cell.size() - 2);
  return cell;
}

std::vector<row> documented_examples() {
  std::ifstream in(std::string(PROMETHEAN_SOURCE_DIR) + "/docs/META.md");
  std::vector<row> rows;
  std::string text;
  bool in_table = false;
  for (int line = 1; std::getline(in, text); ++line) {
    if (text == "| name | example | value |") {
      in_table = true;
      continue;
    }
    if (!in_table || text.rfind("| ---", 0) == 0) continue;
    if (text.empty() || text[0] != '|') break;
    std::vector<std::string> cells;
    std::stringstream cells_in(text.substr(1));
    for (std::string cell; std::getline(cells_in, cell, '|');) cells.push_back(cell);
    if (cells.size() != 3) {
      ADD_FAILURE() << "docs/META.md:" << line << ": a row needs name, example and value: " << text;
      continue;
    }
    rows.push_back({code_of(cells[0]), code_of(cells[1]), code_of(cells[2]), line});
  }
  return rows;
}
}  // namespace

TEST(MetaDocs, EveryDocumentedExampleGivesItsValue) {
  const auto rows = documented_examples();
  ASSERT_GT(rows.size(), 50u) << "the table of examples was not found in docs/META.md";
  for (const auto& r : rows) {
    SCOPED_TRACE("docs/META.md:" + std::to_string(r.line) + ": " + r.example);
    const std::string error_prefix = "error: ";
    if (r.value.rfind(error_prefix, 0) == 0) {
      try {
        g_host->eval("meta", r.example);
        ADD_FAILURE() << "no error; the docs say " << r.value;
      } catch (const error& e) {
        EXPECT_EQ(e.type(), r.value.substr(error_prefix.size())) << e.describe();
      }
      continue;
    }
    try {
      EXPECT_EQ(g_host->eval("meta", r.example).data.value(), json::parse(r.value));
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(MetaDocs, EveryFormAndBuiltinHasAnExample) {
  std::set<std::string> documented;
  for (const auto& r : documented_examples()) documented.insert(r.name);
  const json forms = g_host->eval("meta", "(forms)").data.value();
  ASSERT_TRUE(forms.is_array());
  for (const auto& name : forms) EXPECT_TRUE(documented.count(name.get<std::string>())) << name << " has no example in docs/META.md";
  for (const auto& name : documented) EXPECT_NE(std::find(forms.begin(), forms.end(), json(name)), forms.end()) << name << " is documented but is no form";
}
