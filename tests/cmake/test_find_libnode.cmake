# Runs libnode_check_versions() in child cmake processes: matching numbers pass, mismatching numbers
# stop with a message that names both versions and the fix. Usage: cmake -P this.cmake <cmake-dir>
set(module_dir "${CMAKE_ARGV3}")
set(work "${CMAKE_CURRENT_BINARY_DIR}/find_libnode_test")
file(MAKE_DIRECTORY "${work}")

function(run_check name header_module library_real expect_ok expect_text)
  file(WRITE "${work}/${name}.cmake"
       "include(\"${module_dir}/LibnodeVersionCheck.cmake\")\n"
       "libnode_check_versions(\"18.20.4\" \"${header_module}\" \"/usr/lib/libnode.so\" \"${library_real}\")\n"
       "message(STATUS \"versions agree\")\n")
  execute_process(COMMAND "${CMAKE_COMMAND}" -P "${work}/${name}.cmake"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: expected success, got ${rc}: ${err}")
  endif()
  if(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "${name}: expected configuration to stop, it passed")
  endif()
  string(FIND "${out}${err}" "${expect_text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${name}: output lacks '${expect_text}':\n${out}${err}")
  endif()
  message(STATUS "${name}: ok")
endfunction()

run_check(matching 108 "/usr/lib/libnode.so.108" TRUE "versions agree")
run_check(mismatch 115 "/usr/lib/libnode.so.108" FALSE "header/library mismatch")
run_check(mismatch_names_fix 115 "/usr/lib/libnode.so.108" FALSE "scripts/install-deps")
run_check(unversioned 108 "/usr/lib/libnode.so" FALSE "cannot read the ABI number")
