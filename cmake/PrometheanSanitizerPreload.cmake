# For tests that run a plain python3 or node (not built with the sanitizers) on this build's
# sanitized libraries: the sanitizer runtimes must be the first libraries of the process, so they
# are preloaded, and LeakSanitizer is off there (the interpreter's own memory that lives until exit
# would fill its report; buffers are checked by the ledger instead, PROMETHEAN_LEAK_CHECK=1).
#
# promethean_sanitizer_preload(<env_list> <env_changes>): in a sanitized build, appends
# "LD_PRELOAD=…" to the list <env_list> (for ENVIRONMENT) and sets <env_changes> to what
# ENVIRONMENT_MODIFICATION must add after the preset's own options; in other builds, leaves the
# list as it is and sets <env_changes> empty.
function(promethean_sanitizer_preload env_list env_changes)
  if(NOT PROMETHEAN_SANITIZE)
    set(${env_changes} "" PARENT_SCOPE)
    return()
  endif()
  set(preload "")
  foreach(runtime libasan.so libubsan.so)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${runtime}
                    OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE)
    get_filename_component(path "${path}" REALPATH)
    list(APPEND preload "${path}")
  endforeach()
  list(JOIN preload " " preload)
  set(list_value ${${env_list}})
  list(APPEND list_value "LD_PRELOAD=${preload}")
  set(${env_list} "${list_value}" PARENT_SCOPE)
  # After the preset's options: the last one given wins.
  set(${env_changes} "ASAN_OPTIONS=string_append::detect_leaks=0" PARENT_SCOPE)
endfunction()
