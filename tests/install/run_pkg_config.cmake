# install.pkg_config_c: builds examples/embed-c/main.c with the compiler and pkg-config alone (the
# flags of promethean.pc, nothing from CMake's package) and runs it.
# Arguments: PREFIX, LIBDIR, C_COMPILER, SOURCE, BINARY, PLUGIN.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs promethean
                RESULT_VARIABLE rc OUTPUT_VARIABLE flags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs promethean failed (${rc}): ${err}")
endif()
message(STATUS "pkg-config: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
file(MAKE_DIRECTORY "${BINARY}")
# The prefix is not on the loader's path: an rpath, as any program using a private prefix needs.
execute_process(COMMAND "${C_COMPILER}" -std=c11 -Wall -Wextra -Wpedantic -Werror "${SOURCE}" ${flags}
                        "-Wl,-rpath,${PREFIX}/${LIBDIR}" -o "${BINARY}/embed_c"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling ${SOURCE} with pkg-config's flags failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${BINARY}/embed_c" "${PLUGIN}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "all checks passed\n$")
  message(FATAL_ERROR "embed_c built with pkg-config failed (${rc}):\n${err}")
endif()
