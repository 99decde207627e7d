# The runtimes Promethean embeds come from the system, pinned: Debian's /usr/bin/python3 (never a
# python3 that happens to be first on PATH, such as pyenv's) and Debian's libnode.

set(PROMETHEAN_PYTHON "/usr/bin/python3" CACHE FILEPATH "The Python interpreter to embed (Debian's)")
if(NOT EXISTS "${PROMETHEAN_PYTHON}")
  message(FATAL_ERROR "Promethean embeds ${PROMETHEAN_PYTHON}, which is missing: run scripts/install-deps")
endif()
set(Python3_EXECUTABLE "${PROMETHEAN_PYTHON}" CACHE FILEPATH "" FORCE)
set(Python3_FIND_STRATEGY LOCATION)
set(Python3_FIND_VIRTUALENV STANDARD)
find_package(Python3 3.11 REQUIRED COMPONENTS Interpreter Development.Embed Development.Module)
if(NOT Python3_EXECUTABLE STREQUAL PROMETHEAN_PYTHON)
  message(FATAL_ERROR "Promethean: found ${Python3_EXECUTABLE}, expected ${PROMETHEAN_PYTHON}")
endif()
message(STATUS "Promethean: embedding Python ${Python3_VERSION} (${Python3_EXECUTABLE})")

find_package(Libnode 18 REQUIRED)
message(STATUS "Promethean: embedding Node ${Libnode_VERSION} (${Libnode_LIBRARY})")

# The js runtime drives Node's event loop itself (uv_run), so it links the libuv that libnode uses.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv>=1.44)

# DLPack's one header (Debian's libdlpack-dev): the buffers' DLPack import and export, and the py
# runtime's __dlpack__ adoption. Header-only, so nothing of it is linked or installed.
find_path(PROMETHEAN_DLPACK_INCLUDE_DIR dlpack/dlpack.h)
if(NOT PROMETHEAN_DLPACK_INCLUDE_DIR)
  message(FATAL_ERROR "Promethean: dlpack/dlpack.h not found (Debian's libdlpack-dev): run scripts/install-deps")
endif()
