// The public face of the reader's completeness check, for REPLs outside the library.
#include "reader.hpp"

#include <promethean/host/meta_input.hpp>

namespace promethean {

std::string meta_input_incomplete(std::string_view source) { return meta::incomplete(source); }

}  // namespace promethean
