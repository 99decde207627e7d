# install.deb: builds the Debian package of this build with cpack and checks its control fields
# and that it holds the library (with its SONAME link), the headers, the CLI, the CMake package,
# the pkg-config file and the Rust SDK under /usr. Arguments: BUILD_DIR, OUTPUT, VERSION.
find_program(DPKG_DEB dpkg-deb REQUIRED)
cmake_path(GET CMAKE_COMMAND PARENT_PATH cmake_bin)
find_program(CPACK cpack HINTS "${cmake_bin}" REQUIRED)
file(REMOVE_RECURSE "${OUTPUT}")
execute_process(COMMAND "${CPACK}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${OUTPUT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpack failed (${rc}):\n${out}\n${err}")
endif()
file(GLOB debs "${OUTPUT}/promethean_${VERSION}_*.deb")
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one promethean_${VERSION}_<arch>.deb in ${OUTPUT}, found: ${debs}")
endif()

execute_process(COMMAND "${DPKG_DEB}" --field "${debs}" Package Version Depends OUTPUT_VARIABLE fields RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT fields MATCHES "Package: promethean\n" OR NOT fields MATCHES "Version: ${VERSION}\n"
   OR NOT fields MATCHES "Depends: [^\n]*libnode108")
  message(FATAL_ERROR "unexpected control fields in ${debs}:\n${fields}")
endif()
execute_process(COMMAND "${DPKG_DEB}" --contents "${debs}" OUTPUT_VARIABLE contents RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dpkg-deb --contents ${debs} failed")
endif()
set(missing)
foreach(path "./usr/lib/libpromethean.so.${VERSION}" "./usr/lib/libpromethean.so -> libpromethean.so.[0-9]+"
             "./usr/include/promethean/promethean.h" "./usr/include/promethean/promethean.hpp" "./usr/bin/promethean"
             "./usr/lib/cmake/Promethean/PrometheanConfig.cmake" "./usr/lib/pkgconfig/promethean.pc"
             "./usr/share/promethean/rust/sdk/Cargo.toml")
  string(REPLACE "." "\\." pattern "${path}")
  if(NOT contents MATCHES " ${pattern}\n")
    list(APPEND missing "${path}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "${debs} lacks: ${missing}\n${contents}")
endif()
message(STATUS "${debs}: ${fields}")
