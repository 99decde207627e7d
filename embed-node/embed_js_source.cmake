# Turns a .js file into a C++ header holding it as a raw string literal (cmake -P).
file(READ "${INPUT}" _source)
string(FIND "${_source}" ")js_source\"" _clash)
if(NOT _clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )js_source\"")
endif()
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; edit that file.\n#pragma once\nnamespace promethean::js {\ninline constexpr const char k_bootstrap_source[] = R\"js_source(${_source})js_source\";\n}\n")
