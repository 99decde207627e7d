# `cmake --install`: the headers, libpromethean.so (with its SONAME links), the `promethean` CLI, a
# CMake package (find_package(Promethean CONFIG) gives Promethean::promethean), a pkg-config file,
# and the Rust SDK with promethean_add_rust_plugin(), so that an installed user can embed the host
# from C++ or C and build plugins without this source tree.
#
# Included from the top-level CMakeLists.txt once the `promethean` and `promethean_cli` targets exist.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PROMETHEAN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/Promethean"
    CACHE STRING "Where the CMake package goes, relative to the prefix")
set(PROMETHEAN_INSTALL_RUST_SDKDIR "${CMAKE_INSTALL_DATADIR}/promethean/rust/sdk"
    CACHE STRING "Where the Rust SDK crate goes, relative to the prefix")

# A library built with sanitizers needs its executables linked with the same ones (the runtime
# must be the first library loaded): the flags travel with the target and in the .pc file, so an
# installed asan build is usable as it is.
set(PROMETHEAN_INTERFACE_LINK_FLAGS "")
if(PROMETHEAN_SANITIZE)
  list(JOIN PROMETHEAN_SANITIZE "," _pm_install_sanitizers)
  set(PROMETHEAN_INTERFACE_LINK_FLAGS "-fsanitize=${_pm_install_sanitizers}")
  target_link_options(promethean INTERFACE "${PROMETHEAN_INTERFACE_LINK_FLAGS}")
endif()

# Public headers: the include/ directory of every component libpromethean carries (src/ is never
# installed; the py and js runtimes are modules loaded at run time, with no API of their own).
foreach(_pm_component_dir base buffer host embed-rust)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${_pm_component_dir}/include/"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
          COMPONENT development)
endforeach()

# The library and its header-only interface targets (Promethean::promethean links them).
install(TARGETS promethean promethean_base_headers promethean_buffer_headers promethean_host_headers promethean_rust_headers
  EXPORT PrometheanTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT development
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# The runtime modules, where libpromethean looks for them (runtime_module.hpp); they find
# libpromethean two levels up.
set_target_properties(promethean_py_module promethean_js_module PROPERTIES INSTALL_RPATH "$ORIGIN/../..")
install(TARGETS promethean_py_module promethean_js_module
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/promethean/runtimes" COMPONENT runtime)
# The worker of runtimes in processes of their own (py@1), beside them, where the Host looks for it
# (its INSTALL_RPATH, $ORIGIN/../.., is set where it is defined).
install(TARGETS promethean_worker RUNTIME DESTINATION "${CMAKE_INSTALL_LIBDIR}/promethean/runtimes" COMPONENT runtime)

# The CLI finds the library beside it in the prefix, wherever the prefix is.
file(RELATIVE_PATH _pm_bin_to_lib "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
set_target_properties(promethean_cli PROPERTIES INSTALL_RPATH "$ORIGIN/${_pm_bin_to_lib}")
install(TARGETS promethean_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)

# `promethean bench` runs promethean_bench, looked for in <prefix>/libexec/promethean (bench/ is
# added after this file, hence the generator expression rather than install(TARGETS)).
if(PROMETHEAN_BUILD_BENCH)
  install(PROGRAMS "$<TARGET_FILE:promethean_bench>"
    DESTINATION "${CMAKE_INSTALL_LIBEXECDIR}/promethean"
    COMPONENT runtime)
endif()

install(EXPORT PrometheanTargets
  NAMESPACE Promethean::
  DESTINATION "${PROMETHEAN_INSTALL_CMAKEDIR}"
  COMPONENT development)

configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/PrometheanConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/PrometheanConfig.cmake"
  INSTALL_DESTINATION "${PROMETHEAN_INSTALL_CMAKEDIR}"
  PATH_VARS PROMETHEAN_INSTALL_RUST_SDKDIR)
# The ABI promise is the SONAME's: same major, compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/PrometheanConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/PrometheanConfig.cmake" "${PROJECT_BINARY_DIR}/PrometheanConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/PrometheanRust.cmake"
  DESTINATION "${PROMETHEAN_INSTALL_CMAKEDIR}"
  COMPONENT development)

# pkg-config: paths relative to the .pc file's own directory, so the prefix may be moved.
file(RELATIVE_PATH _pm_pc_to_prefix "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" _pm_pc_to_prefix "${_pm_pc_to_prefix}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/promethean.pc.in" "${PROJECT_BINARY_DIR}/promethean.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/promethean.pc"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  COMPONENT development)

# The example plugins, where the rust runtime looks for a plugin loaded by name
# (<libdir>/promethean/plugins): load("rust", "<prefix>/lib/promethean/plugins/libimageops.so").
install(FILES "$<TARGET_PROPERTY:promethean_plugin_imageops,PROMETHEAN_PLUGIN_FILE>"
              "$<TARGET_PROPERTY:promethean_plugin_pycall,PROMETHEAN_PLUGIN_FILE>"
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/promethean/plugins"
  COMPONENT runtime)

# The Rust SDK crate, as source (cargo builds it with each plugin); never a build's target/ dir
# or a lock file left by one.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/embed-rust/sdk/"
  DESTINATION "${PROMETHEAN_INSTALL_RUST_SDKDIR}"
  COMPONENT development
  PATTERN "target" EXCLUDE
  PATTERN "Cargo.lock" EXCLUDE)

# The Python package (pyproject.toml). pip builds the wheel with scikit-build-core, whose install
# prefix is the package's own directory (site-packages/promethean): the extension and the Python
# files at its top, everything above in the same places as in any prefix (lib/, bin/, include/,
# share/), so that every relative path the library and the CLI use holds there too.
set_target_properties(promethean_python_extension PROPERTIES INSTALL_RPATH "$ORIGIN/${CMAKE_INSTALL_LIBDIR}")
if(SKBUILD)
  install(TARGETS promethean_python_extension LIBRARY DESTINATION "." COMPONENT runtime)
  file(GLOB _pm_python_files "${PROJECT_SOURCE_DIR}/python/promethean/*")
  install(FILES ${_pm_python_files} DESTINATION "." COMPONENT runtime)
endif()

# A .deb of the same files.
include(PrometheanPackage)
