# PROMETHEAN_SANITIZE="address;undefined" instruments everything built here (the asan preset).
set(PROMETHEAN_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address;undefined")
if(PROMETHEAN_SANITIZE)
  list(JOIN PROMETHEAN_SANITIZE "," _pm_sanitizers)
  add_compile_options(-fsanitize=${_pm_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_pm_sanitizers})
  message(STATUS "Promethean: building with -fsanitize=${_pm_sanitizers}")
endif()
