# install.layout: what `cmake --install` put in the prefix. The library with its SONAME and links,
# exporting every function promethean.h declares and nothing of pybind11 or CPython; headers that
# include no Python, Node, V8 or pybind11 header; the CLI; the CMake package, pkg-config file and
# Rust SDK, the example plugins and promethean_bench. Arguments: PREFIX, VERSION, SOVERSION, LIBDIR,
# LIBEXECDIR, BENCH (PROMETHEAN_BUILD_BENCH), NM, READELF.
set(problems)
macro(problem text)
  list(APPEND problems "${text}")
endmacro()

# -- the library: libpromethean.so -> libpromethean.so.<major> -> libpromethean.so.<version>
set(lib "${PREFIX}/${LIBDIR}")
foreach(link_and_target "libpromethean.so;libpromethean.so.${SOVERSION}"
                        "libpromethean.so.${SOVERSION};libpromethean.so.${VERSION}")
  list(GET link_and_target 0 link)
  list(GET link_and_target 1 target)
  if(NOT IS_SYMLINK "${lib}/${link}")
    problem("${lib}/${link} is not a symbolic link")
  else()
    file(READ_SYMLINK "${lib}/${link}" points_to)
    if(NOT points_to STREQUAL target)
      problem("${lib}/${link} points to ${points_to}, expected ${target}")
    endif()
  endif()
endforeach()
set(library "${lib}/libpromethean.so.${VERSION}")
execute_process(COMMAND "${READELF}" -d "${library}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT dynamic MATCHES "Library soname: \\[libpromethean\\.so\\.${SOVERSION}\\]")
  problem("${library} has no SONAME libpromethean.so.${SOVERSION}")
endif()

# -- exported symbols: every C API function, and no pybind11 or CPython (symbols are hidden by
# default; only PROMETHEAN_API ones are exported)
execute_process(COMMAND "${NM}" -D --defined-only "${library}" OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  problem("nm -D ${library} failed")
endif()
set(header "${PREFIX}/include/promethean/promethean.h")
file(STRINGS "${header}" declarations REGEX "^PROMETHEAN_API .*[ *]pm_[a-z_]+\\(")
set(declared 0)
foreach(declaration IN LISTS declarations)
  string(REGEX MATCH "pm_[a-z_]+\\(" name "${declaration}")
  string(REPLACE "(" "" name "${name}")
  math(EXPR declared "${declared} + 1")
  if(NOT symbols MATCHES " T ${name}\n")
    problem("promethean.h declares ${name}, which libpromethean.so does not export")
  endif()
endforeach()
if(declared LESS 30)
  problem("found only ${declared} function declarations in ${header}")
endif()
foreach(hidden "pybind11" " T Py[A-Z_]" " T _Py")
  if(symbols MATCHES "${hidden}")
    problem("libpromethean.so exports symbols matching '${hidden}': they should be hidden")
  endif()
endforeach()

# -- headers: the API, and none of the embedded engines' SDK headers
foreach(h promethean/promethean.h promethean/promethean.hpp promethean/config.hpp promethean/error.hpp
          promethean/host/host.hpp promethean/host/host_buffers.hpp promethean/buffer/xtensor.hpp
          promethean/rust/plugin_abi.h)
  if(NOT EXISTS "${PREFIX}/include/${h}")
    problem("missing header include/${h}")
  endif()
endforeach()
file(GLOB_RECURSE installed_headers "${PREFIX}/include/*")
foreach(h IN LISTS installed_headers)
  file(STRINGS "${h}" engine_includes REGEX "#[ \t]*include[ \t]*[<\"](Python\\.h|node\\.h|v8\\.h|pybind11/)")
  if(engine_includes)
    problem("${h} includes an engine header: ${engine_includes}")
  endif()
endforeach()

# -- the CLI runs from the prefix and finds the library beside it
execute_process(COMMAND "${PREFIX}/bin/promethean" --version OUTPUT_VARIABLE cli_version RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT cli_version MATCHES "^promethean ${VERSION}\n$")
  problem("bin/promethean --version gave '${cli_version}' (${rc}), expected 'promethean ${VERSION}'")
endif()

# -- promethean_bench, where `promethean bench` looks for it, when this build has it
if(BENCH AND NOT EXISTS "${PREFIX}/${LIBEXECDIR}/promethean/promethean_bench")
  problem("missing ${LIBEXECDIR}/promethean/promethean_bench (the build has PROMETHEAN_BUILD_BENCH on)")
endif()

# -- the CMake package, the pkg-config file, the Rust SDK (sources only)
foreach(f "${LIBDIR}/cmake/Promethean/PrometheanConfig.cmake" "${LIBDIR}/cmake/Promethean/PrometheanConfigVersion.cmake"
          "${LIBDIR}/cmake/Promethean/PrometheanTargets.cmake" "${LIBDIR}/cmake/Promethean/PrometheanRust.cmake"
          "${LIBDIR}/pkgconfig/promethean.pc" "${LIBDIR}/promethean/plugins/libimageops.so"
          "${LIBDIR}/promethean/runtimes/promethean_py.so" "${LIBDIR}/promethean/runtimes/promethean_js.so"
          "${LIBDIR}/promethean/plugins/libpycall.so" share/promethean/rust/sdk/Cargo.toml
          share/promethean/rust/sdk/src/lib.rs)
  if(NOT EXISTS "${PREFIX}/${f}")
    problem("missing ${f}")
  endif()
endforeach()
if(EXISTS "${PREFIX}/share/promethean/rust/sdk/target")
  problem("the Rust SDK was installed with a cargo target/ directory")
endif()
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
execute_process(COMMAND "${PKG_CONFIG}" --modversion promethean OUTPUT_VARIABLE pc_version RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT pc_version STREQUAL VERSION)
  problem("pkg-config --modversion promethean gave '${pc_version}' (${rc}), expected ${VERSION}")
endif()
execute_process(COMMAND "${PKG_CONFIG}" --variable=libdir promethean OUTPUT_VARIABLE pc_libdir
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT EXISTS "${pc_libdir}/libpromethean.so")
  problem("promethean.pc's libdir '${pc_libdir}' does not hold libpromethean.so")
endif()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "the installed prefix ${PREFIX} is not right:\n  ${text}")
endif()
message(STATUS "${PREFIX}: library, ${declared} C API functions, headers, CLI, CMake package, pkg-config and Rust SDK in place")
