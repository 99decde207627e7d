# Warnings are errors in Promethean's own code; third-party headers come in as SYSTEM includes.
function(promethean_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough -Werror
    # GCC 12 warns on designated initializers that leave defaulted members out: the idiom of our
    # option structs ({.timeout = 300ms}).
    -Wno-missing-field-initializers)
endfunction()
