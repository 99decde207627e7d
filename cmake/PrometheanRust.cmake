# promethean_add_rust_plugin(): builds a Rust plugin crate (a cdylib using the promethean SDK) with
# cargo, offline, as part of the CMake build.
#
#   promethean_add_rust_plugin(<target> CRATE <dir> [LIBRARY <name>])
#
# <dir> holds Cargo.toml; LIBRARY is the crate's library name (default: the directory's name).
# The target builds lib<name>.so; its path is the target property PROMETHEAN_PLUGIN_FILE, e.g.
#   target_compile_definitions(app PRIVATE PLUGIN="$<TARGET_PROPERTY:imageops,PROMETHEAN_PLUGIN_FILE>")

find_program(PROMETHEAN_CARGO cargo HINTS "$ENV{HOME}/.cargo/bin" DOC "cargo, to build Rust plugins")

set(PROMETHEAN_RUST_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}/../embed-rust/sdk" CACHE PATH "The promethean Rust SDK crate")

function(promethean_add_rust_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CRATE;LIBRARY" "")
  if(NOT arg_CRATE)
    message(FATAL_ERROR "promethean_add_rust_plugin(${target}): CRATE <dir> is required")
  endif()
  if(NOT PROMETHEAN_CARGO)
    message(FATAL_ERROR "promethean_add_rust_plugin(${target}): cargo not found (scripts/install-deps installs it)")
  endif()
  get_filename_component(crate "${arg_CRATE}" ABSOLUTE)
  if(NOT arg_LIBRARY)
    get_filename_component(arg_LIBRARY "${crate}" NAME)
  endif()
  # One cargo target directory per build tree: the SDK compiles once for every plugin.
  set(target_dir "${CMAKE_BINARY_DIR}/cargo")
  set(output "${target_dir}/release/lib${arg_LIBRARY}.so")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${crate}/src/*.rs" "${PROMETHEAN_RUST_SDK_DIR}/src/*.rs")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${PROMETHEAN_CARGO}" build --release --offline --quiet
            --manifest-path "${crate}/Cargo.toml" --target-dir "${target_dir}"
    DEPENDS ${sources} "${crate}/Cargo.toml" "${PROMETHEAN_RUST_SDK_DIR}/Cargo.toml"
    COMMENT "cargo build ${arg_LIBRARY} (Rust plugin)"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${output}")
  set_target_properties(${target} PROPERTIES PROMETHEAN_PLUGIN_FILE "${output}")
endfunction()
