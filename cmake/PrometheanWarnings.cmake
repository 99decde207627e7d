# Warnings are errors in Promethean's own code; third-party headers come in as SYSTEM includes.
function(promethean_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
    -Woverloaded-virtual -Wimplicit-fallthrough -Werror
    # GCC 12 warns on designated initializers that leave defaulted members out: the idiom of our
    # option structs ({.timeout = 300ms}).
    -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 at -O3 reports impossible overlaps inside std::string's own inlined code (GCC bug
    # 105329); -Wnull-dereference fires inside inlined nlohmann_json at -O3 for the same reason.
    # Both only in optimised builds, never in our code: off, so that release builds stay -Werror.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
