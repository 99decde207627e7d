# libnode_check_versions(): the header/library agreement check of FindLibnode, on its own so
# that tests/cmake/test_find_libnode.cmake can exercise it with made-up versions.

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
