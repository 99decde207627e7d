// Shared by the rust tests: where a line of the testkit plugin's source is, as a panic names it.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

/// "panicked at src/lib.rs:LINE:COL" for the first line of testkit's src/lib.rs holding `code`,
/// COL where `code` starts (1-based): what rustc records as the location of a panic! there. Read
/// from the source, so that the tests follow the file when lines move.
inline std::string panic_site(const std::string& code) {
  std::ifstream in(PM_TESTKIT_SOURCE);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    const auto column = text.find(code);
    if (column != std::string::npos) {
      return "panicked at src/lib.rs:" + std::to_string(line) + ":" + std::to_string(column + 1);
    }
  }
  ADD_FAILURE() << code << " is not in " << PM_TESTKIT_SOURCE;
  return "(no such line)";
}
