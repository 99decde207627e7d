# promethean_add_rust_plugin(): builds a Rust plugin crate (a cdylib using the promethean SDK) with
# cargo as part of the CMake build: offline, or, for a crate whose committed Cargo.lock pins crates
# from crates.io (the SDK's `ndarray` / `serde` features), after one `cargo fetch --locked`.
#
#   promethean_add_rust_plugin(<target> CRATE <dir> [LIBRARY <name>])
#
# <dir> holds Cargo.toml; LIBRARY is the crate's library name (default: the directory's name).
# The target builds lib<name>.so; its path is the target property PROMETHEAN_PLUGIN_FILE, e.g.
#   target_compile_definitions(app PRIVATE PLUGIN="$<TARGET_PROPERTY:imageops,PROMETHEAN_PLUGIN_FILE>")
#
# Every cargo runs as `${PROMETHEAN_CARGO_COMMAND} <args>`: the environment it needs (below) set.

find_program(PROMETHEAN_CARGO cargo HINTS "$ENV{HOME}/.cargo/bin" DOC "cargo, to build Rust plugins")

set(PROMETHEAN_RUST_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}/../embed-rust/sdk" CACHE PATH "The promethean Rust SDK crate")

# The environment of every cargo run, worked out once from the cargo found:
# - RUSTC, RUSTDOC: the rustc and rustdoc beside that cargo (Debian's /usr/bin/cargo with
#   /usr/bin/rustc), not the first on PATH, which may be another toolchain's;
# - cargo before 1.70 reaches crates.io by default through its git index on github.com; the sparse
#   index (index.crates.io, the default since) is an unstable flag before 1.68 (Debian 12's cargo is
#   1.65) and a setting in 1.68 and 1.69: either is turned on, through the environment, for those
#   cargos only. RUSTC_BOOTSTRAP=1 is what lets a stable cargo take the unstable flag; the crates
#   pinned in the lock files probe for unstable compiler features before using any, and build the
#   same with it.
if(PROMETHEAN_CARGO)
  execute_process(COMMAND "${PROMETHEAN_CARGO}" --version OUTPUT_VARIABLE _pm_cargo_version
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" _pm_cargo_version "${_pm_cargo_version}")
  set(_pm_cargo_env)
  get_filename_component(_pm_cargo_dir "${PROMETHEAN_CARGO}" DIRECTORY)
  foreach(_pm_tool rustc rustdoc)
    if(EXISTS "${_pm_cargo_dir}/${_pm_tool}")
      string(TOUPPER "${_pm_tool}" _pm_variable)
      list(APPEND _pm_cargo_env "${_pm_variable}=${_pm_cargo_dir}/${_pm_tool}")
    endif()
  endforeach()
  if(_pm_cargo_version VERSION_LESS 1.68)
    list(APPEND _pm_cargo_env RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_SPARSE_REGISTRY=true)
  elseif(_pm_cargo_version VERSION_LESS 1.70)
    list(APPEND _pm_cargo_env CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse)  # stable, not yet the default
  endif()
  # In the cache: every directory's plugins (bench/, tests/) run cargo the same way.
  set(PROMETHEAN_CARGO_COMMAND "${CMAKE_COMMAND}" -E env ${_pm_cargo_env} "${PROMETHEAN_CARGO}"
      CACHE INTERNAL "cargo with the environment it needs")
  if(NOT _pm_cargo_announced STREQUAL "${PROMETHEAN_CARGO} ${_pm_cargo_version}")
    message(STATUS "Promethean: cargo ${_pm_cargo_version} (${PROMETHEAN_CARGO}) builds the Rust plugins")
    set(_pm_cargo_announced "${PROMETHEAN_CARGO} ${_pm_cargo_version}" CACHE INTERNAL "")
  endif()
endif()

# promethean_rust_crates_fetched(<out-var> CRATE <dir>): when <dir>'s Cargo.lock pins crates from a
# registry, adds (once per build tree) the step that fetches them and sets <out-var> to its stamp
# file, for a build step to depend on; otherwise sets it to "". The step reruns when the lock does.
function(promethean_rust_crates_fetched out_var)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CRATE" "")
  get_filename_component(crate "${arg_CRATE}" ABSOLUTE)
  set(${out_var} "" PARENT_SCOPE)
  if(NOT EXISTS "${crate}/Cargo.lock")
    return()
  endif()
  file(STRINGS "${crate}/Cargo.lock" registry_packages REGEX "^source = \"registry\\+")
  if(NOT registry_packages)
    return()
  endif()
  string(MD5 key "${crate}")
  set(stamp "${CMAKE_BINARY_DIR}/cargo/fetched/${key}.stamp")
  get_property(known GLOBAL PROPERTY PROMETHEAN_RUST_FETCH_STAMPS)
  if(NOT stamp IN_LIST known)
    set_property(GLOBAL APPEND PROPERTY PROMETHEAN_RUST_FETCH_STAMPS "${stamp}")
    add_custom_command(
      OUTPUT "${stamp}"
      COMMAND ${PROMETHEAN_CARGO_COMMAND} fetch --locked --quiet --manifest-path "${crate}/Cargo.toml"
      COMMAND "${CMAKE_COMMAND}" -E touch "${stamp}"
      DEPENDS "${crate}/Cargo.lock" "${crate}/Cargo.toml"
      COMMENT "cargo fetch: the crates ${crate}/Cargo.lock pins"
      VERBATIM)
  endif()
  set(${out_var} "${stamp}" PARENT_SCOPE)
endfunction()

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
  # A crate whose lock pins registry crates builds from them as fetched, exactly as pinned.
  promethean_rust_crates_fetched(fetched CRATE "${crate}")
  set(locked)
  if(fetched)
    set(locked --locked)
  endif()
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${PROMETHEAN_CARGO_COMMAND} build --release --offline ${locked} --quiet
            --manifest-path "${crate}/Cargo.toml" --target-dir "${target_dir}"
    DEPENDS ${sources} ${fetched} "${crate}/Cargo.toml" "${PROMETHEAN_RUST_SDK_DIR}/Cargo.toml"
    COMMENT "cargo build ${arg_LIBRARY} (Rust plugin)"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${output}")
  set_target_properties(${target} PROPERTIES PROMETHEAN_PLUGIN_FILE "${output}")
endfunction()
