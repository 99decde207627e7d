# install.embed_*: configures an example project against the installed prefix (find_package only:
# no package registry, no source tree), builds it and runs it. The example checks its own results
# and exits non-zero on any mismatch; this script also requires its closing line.
# Arguments: SOURCE, BINARY, PROGRAM, PROGRAM_ARGS, PREFIX, GENERATOR, C_COMPILER, CXX_COMPILER, LAUNCHER.
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

set(launcher)
if(LAUNCHER)
  set(launcher -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
# --fresh: every run configures against the prefix as it is now (the build dir is kept for speed).
run("configuring ${SOURCE}" "${CMAKE_COMMAND}" --fresh -S "${SOURCE}" -B "${BINARY}" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${launcher})

file(STRINGS "${BINARY}/CMakeCache.txt" package_dir REGEX "^Promethean_DIR:")
string(REGEX REPLACE "^Promethean_DIR:[A-Z]+=" "" package_dir "${package_dir}")
cmake_path(IS_PREFIX PREFIX "${package_dir}" NORMALIZE from_prefix)
if(NOT from_prefix)
  message(FATAL_ERROR "find_package(Promethean) found ${package_dir}, not the package installed in ${PREFIX}")
endif()

run("building ${SOURCE}" "${CMAKE_COMMAND}" --build "${BINARY}")
run("running ${PROGRAM}" "${BINARY}/${PROGRAM}" ${PROGRAM_ARGS})
message("${run_output}")
if(NOT run_output MATCHES "all checks passed\n$" OR run_output MATCHES "FAIL")
  message(FATAL_ERROR "${PROGRAM} did not pass all of its checks")
endif()
