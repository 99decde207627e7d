// Whether what the REPL has read so far is a whole input in its language, or needs more lines:
// each language decides by its own parser (Python's codeop, V8's, meta's reader, /bin/sh -n),
// not by counting brackets.
#pragma once

#include <promethean/host/host.hpp>

#include <string>

namespace promethean::cli {

/// True when `source` (the lines read so far, joined by '\n') is an unfinished input in
/// `language` ("py", "js", "sh", "meta"): an open Python block (until an empty line), an unclosed
/// JS brace, paren, template or comment, an open meta list, array or string, an sh `if` without
/// `fi` or an open quote. Input with an error that more lines cannot fix is complete, so that
/// running it shows the error.
bool input_incomplete(host& h, const std::string& language, const std::string& source);

}  // namespace promethean::cli
