# `cpack -G DEB` (or `cmake --build <dir> --target package`): a Debian package of exactly what
# `cmake --install` puts in place (cmake/PrometheanInstall.cmake), installed under /usr.
#
# Depends names Debian 12's packages of what the library loads (Python 3.11, numpy, Node 18's
# libnode, libuv) and of the headers the C++ API includes (nlohmann_json, xtensor), the same
# archive packages scripts/install-deps installs.
set(CPACK_GENERATOR "DEB" CACHE STRING "CPack generators")
set(CPACK_PACKAGE_NAME "promethean")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "Promethean maintainers <promethean@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libpython3.11, python3-numpy, libnode108, libuv1, libedit2, nlohmann-json3-dev, xtensor-dev")
# gzip: a debug build's library is tens of megabytes, and xz would take most of a minute.
set(CPACK_DEBIAN_COMPRESSION_TYPE "gzip")
include(CPack)
