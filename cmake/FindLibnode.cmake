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

# Compares the header's module version with the library's SONAME number; FATAL_ERROR on mismatch.
# A function of its own so that tests/cmake can exercise it with made-up numbers.
function(libnode_check_versions header_version header_module_version library_path library_real)
  get_filename_component(_real_name "${library_real}" NAME)
  if(NOT _real_name MATCHES "^libnode\\.so\\.([0-9]+)")
    message(FATAL_ERROR
      "FindLibnode: cannot read the ABI number of ${library_path} (it resolves to ${_real_name}, "
      "expected libnode.so.<N>). Run scripts/install-deps to install Debian's libnode-dev.")
  endif()
  set(_library_module_version "${CMAKE_MATCH_1}")
  if(NOT _library_module_version STREQUAL header_module_version)
    message(FATAL_ERROR
      "FindLibnode: header/library mismatch: node_version.h is Node ${header_version} "
      "(NODE_MODULE_VERSION ${header_module_version}) but ${library_path} is libnode.so."
      "${_library_module_version}. Embedding with mismatched V8 headers crashes at run time. "
      "Run scripts/install-deps: it replaces a non-Debian nodejs with Debian's nodejs and libnode-dev.")
  endif()
endfunction()

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
