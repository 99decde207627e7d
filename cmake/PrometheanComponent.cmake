# promethean_add_component(<name> SOURCES <files…> [HEADERS_LINK <targets…>] [LINK <targets…>])
#
# One component of libpromethean: promethean_<name>, a static archive of SOURCES (folded into the
# shared library; the test binaries link it directly), and promethean_<name>_headers, its public
# include/ directory (what the shared library's users get), with the aliases promethean::<name>
# and promethean::<name>_headers. HEADERS_LINK is what the public headers need, LINK what the
# sources need publicly; private dependencies are added by the caller.
function(promethean_add_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;HEADERS_LINK;LINK")
  add_library(promethean_${name} STATIC ${arg_SOURCES})
  add_library(promethean::${name} ALIAS promethean_${name})
  add_library(promethean_${name}_headers INTERFACE)
  add_library(promethean::${name}_headers ALIAS promethean_${name}_headers)
  target_include_directories(promethean_${name}_headers INTERFACE
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(promethean_${name}_headers INTERFACE ${arg_HEADERS_LINK})
  target_link_libraries(promethean_${name} PUBLIC promethean_${name}_headers ${arg_LINK})
  target_include_directories(promethean_${name} PRIVATE src)
  promethean_target_warnings(promethean_${name})
endfunction()
