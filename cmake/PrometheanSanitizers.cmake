# PROMETHEAN_SANITIZE="address;undefined" instruments everything built here (the asan preset).
set(PROMETHEAN_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address;undefined")
if(PROMETHEAN_SANITIZE)
  list(JOIN PROMETHEAN_SANITIZE "," _pm_sanitizers)
  add_compile_options(-fsanitize=${_pm_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pm_sanitizers})
  if("undefined" IN_LIST PROMETHEAN_SANITIZE)
    # No vptr check: libnode is built without RTTI, and shared_ptr control blocks it creates (V8
    # backing stores) are released through the one inline _Sp_counted_base::_M_release the linker
    # keeps, which the check would then flag. Every other UBSan check stays on.
    add_compile_options(-fno-sanitize=vptr)
  endif()
  message(STATUS "Promethean: building with -fsanitize=${_pm_sanitizers}")
endif()

