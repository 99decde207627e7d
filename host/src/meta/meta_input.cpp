// The public face of the reader's completeness check, for REPLs outside the library.
#include "reader.hpp"

#include <promethean/host/meta_input.hpp>

namespace promethean {

std::string meta_input_incomplete(std::string_view source) { return meta::incomplete(source); }

}  // namespace promethean

namespace promethean {

std::size_t meta_input_stray_closer(std::string_view source) { return meta::stray_closer(source); }

}  // namespace promethean
