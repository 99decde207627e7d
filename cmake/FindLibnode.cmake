# FindLibnode: Debian's libnode (Node.js as a shared library) and its headers.
#
# Result: target Libnode::libnode, Libnode_VERSION (from node_version.h), Libnode_MODULE_VERSION.
# The headers and the library must be the same Node: a V8 ABI mismatch does not fail to link, it
# crashes at run time. So configuration stops when node_version.h's NODE_MODULE_VERSION is not the
# number in libnode.so's SONAME (libnode.so.108 is Node 18's module ABI 108). A Node installed from
# elsewhere (/usr/local, NodeSource, nvm) is never looked at: only the Debian paths below.

include(FindPackageHandleStandardArgs)

find_path(Libnode_INCLUDE_DIR node_version.h
  PATHS /usr/include/node NO_DEFAULT_PATH
  DOC "Directory holding Debian libnode-dev's node.h and v8.h")
find_library(Libnode_LIBRARY NAMES node
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} /usr/lib NO_DEFAULT_PATH
  DOC "Debian's libnode.so")

include("${CMAKE_CURRENT_LIST_DIR}/LibnodeVersionCheck.cmake")

if(Libnode_INCLUDE_DIR AND EXISTS "${Libnode_INCLUDE_DIR}/node_version.h")
  file(STRINGS "${Libnode_INCLUDE_DIR}/node_version.h" _node_version_lines
       REGEX "^#define NODE_(MAJOR|MINOR|PATCH|MODULE)_VERSION [0-9]+")
  foreach(_line IN LISTS _node_version_lines)
    if(_line MATCHES "^#define NODE_([A-Z]+)_VERSION ([0-9]+)")
      set(_node_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  set(Libnode_VERSION "${_node_MAJOR}.${_node_MINOR}.${_node_PATCH}")
  set(Libnode_MODULE_VERSION "${_node_MODULE}")
endif()

find_package_handle_standard_args(Libnode
  REQUIRED_VARS Libnode_LIBRARY Libnode_INCLUDE_DIR Libnode_MODULE_VERSION
  VERSION_VAR Libnode_VERSION
  REASON_FAILURE_MESSAGE "install Debian's libnode-dev with scripts/install-deps")

if(Libnode_FOUND)
  get_filename_component(_libnode_real "${Libnode_LIBRARY}" REALPATH)
  libnode_check_versions("${Libnode_VERSION}" "${Libnode_MODULE_VERSION}"
                         "${Libnode_LIBRARY}" "${_libnode_real}")
  if(NOT TARGET Libnode::libnode)
    add_library(Libnode::libnode SHARED IMPORTED)
    set_target_properties(Libnode::libnode PROPERTIES
      IMPORTED_LOCATION "${Libnode_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${Libnode_INCLUDE_DIR}"
      INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${Libnode_INCLUDE_DIR}")
  endif()
endif()
mark_as_advanced(Libnode_INCLUDE_DIR Libnode_LIBRARY)
