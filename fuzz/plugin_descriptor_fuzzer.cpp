// Fuzzes the checks a plugin's descriptor goes through when the rust runtime loads it
// (plugin_library::open): a descriptor built from fuzz bytes, in memory exactly as long as its
// struct_size says (so that a read past it is an ASan report), is returned by a test library's
// entry. The loader must accept it exactly when a model of the ABI's rules (plugin_abi.h) does,
// refuse it otherwise with a plugin_error of the model's type, and, once loaded, hold exactly the
// descriptor's functions, reading `typed` only where the function's struct_size covers it.
#include "fuzz_check.hpp"

#include "plugin_library.hpp"

#include <promethean/host/host.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {
using promethean::fuzz::broken;

#define PM_NEEDS(type, member) (offsetof(type, member) + sizeof(static_cast<type*>(nullptr)->member))

pm_error* json_form(const pm_host_api*, const char*, std::size_t, const pm_buffer_view*, std::size_t, pm_result*) {
  return nullptr;
}
pm_error* typed_form(const pm_host_api*, const pm_value*, std::size_t, const pm_buffer_view*, std::size_t, pm_value*,
                     pm_result*) {
  return nullptr;
}

using setter = void (*)(const pm_plugin_descriptor*);

struct fixture {
  promethean::host host{promethean::host_options{.runtimes = {"meta"}}};
  setter set = nullptr;
  fixture() {
    void* handle = ::dlopen(PM_FUZZ_DESCRIPTOR_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) broken("the test plugin loads", ::dlerror());
    set = reinterpret_cast<setter>(::dlsym(handle, "pm_fuzz_descriptor_set"));
    if (set == nullptr) broken("the test plugin exports pm_fuzz_descriptor_set", ::dlerror());
  }
};

bool valid_name(const char* s) {
  if (s == nullptr || *s == '\0') return false;
  for (; *s; ++s) {
    const char c = *s;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

/// A NUL-terminated string from fuzz bytes, or null; kept alive by `store`.
const char* fuzz_string(FuzzedDataProvider& in, std::vector<std::unique_ptr<std::string>>& store) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return nullptr;
    case 1: store.push_back(std::make_unique<std::string>("f" + std::to_string(store.size()))); break;  // a good one
    default: store.push_back(std::make_unique<std::string>(in.ConsumeRandomLengthString(24))); break;
  }
  return store.back()->c_str();
}

/// A struct_size: the right one mostly, else one cut short or longer (a newer writer's).
std::uint32_t fuzz_size(FuzzedDataProvider& in, std::uint32_t full) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return in.ConsumeIntegralInRange<std::uint32_t>(0, full + 64);
    default: return full;
  }
}

/// Memory for a struct whose writer's struct_size is `size`: exactly that long (at least the
/// struct_size field itself), holding `full`'s bytes as far as they fit.
std::unique_ptr<unsigned char[]> exactly(const void* full, std::size_t full_size, std::size_t size) {
  const std::size_t length = size < sizeof(std::uint32_t) ? sizeof(std::uint32_t) : size;
  std::unique_ptr<unsigned char[]> bytes(new unsigned char[length]());
  std::memcpy(bytes.get(), full, length < full_size ? length : full_size);
  return bytes;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  FuzzedDataProvider in(data, size);
  std::vector<std::unique_ptr<std::string>> strings;

  // The functions, an array of the host's own stride; the last one's memory ends where its
  // struct_size says (the ABI's arrays have sizeof(pm_function_descriptor) elements).
  const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(0, 6);
  const bool functions_null = in.ConsumeIntegralInRange<int>(0, 15) == 0;
  std::vector<pm_function_descriptor> functions(count);
  for (auto& fn : functions) {
    fn.struct_size = fuzz_size(in, sizeof(pm_function_descriptor));
    fn.name = fuzz_string(in, strings);
    if (in.ConsumeBool() && fn.name != nullptr && !strings.empty()) {  // a name used twice
      fn.name = strings.front()->c_str();
    }
    fn.signature = in.ConsumeBool() ? nullptr : fuzz_string(in, strings);
    fn.function = in.ConsumeIntegralInRange<int>(0, 7) == 0 ? nullptr : json_form;
    fn.typed = in.ConsumeBool() ? typed_form : nullptr;
  }
  std::unique_ptr<unsigned char[]> function_bytes;
  if (count > 0 && !functions_null) {
    const std::size_t last = functions.back().struct_size;
    const std::size_t bytes = (count - 1) * sizeof(pm_function_descriptor) +
                              (last < sizeof(std::uint32_t) ? sizeof(std::uint32_t) : last);
    const std::size_t copied = bytes < count * sizeof(pm_function_descriptor) ? bytes : count * sizeof(pm_function_descriptor);
    function_bytes.reset(new unsigned char[bytes]());
    std::memcpy(function_bytes.get(), functions.data(), copied);
  }

  pm_plugin_descriptor d{};
  d.struct_size = fuzz_size(in, sizeof(pm_plugin_descriptor));
  d.abi_major = in.ConsumeIntegralInRange<int>(0, 7) == 0 ? in.ConsumeIntegral<std::uint16_t>() : PM_PLUGIN_ABI_MAJOR;
  d.abi_minor = in.ConsumeIntegral<std::uint16_t>();
  d.name = fuzz_string(in, strings);
  d.version = fuzz_string(in, strings);
  d.functions = reinterpret_cast<const pm_function_descriptor*>(function_bytes.get());
  d.function_count = count;
  const bool descriptor_null = in.ConsumeIntegralInRange<int>(0, 31) == 0;
  const auto descriptor_bytes = exactly(&d, sizeof d, d.struct_size);

  // The model: the first rule broken, in the order plugin_abi.h gives them.
  std::string expected;
  if (descriptor_null) expected = "BadDescriptor";
  else if (d.struct_size < PM_NEEDS(pm_plugin_descriptor, abi_minor)) expected = "BadDescriptor";
  else if (d.abi_major != PM_PLUGIN_ABI_MAJOR) expected = "AbiMismatch";
  else if (d.struct_size < PM_NEEDS(pm_plugin_descriptor, function_count)) expected = "BadDescriptor";
  else if (!valid_name(d.name)) expected = "BadDescriptor";
  else if (count > 0 && d.functions == nullptr) expected = "BadDescriptor";
  else {
    std::set<std::string> seen;
    for (const auto& fn : functions) {
      if (fn.struct_size < PM_NEEDS(pm_function_descriptor, function) || !valid_name(fn.name) || fn.function == nullptr ||
          !seen.insert(fn.name).second) {
        expected = "BadDescriptor";
        break;
      }
    }
  }

  f.set(descriptor_null ? nullptr : reinterpret_cast<const pm_plugin_descriptor*>(descriptor_bytes.get()));
  std::shared_ptr<promethean::rust::plugin_library> lib;
  std::string got;
  try {
    lib = promethean::rust::plugin_library::open(f.host, PM_FUZZ_DESCRIPTOR_PLUGIN);
  } catch (const promethean::plugin_error& e) {
    got = e.type();
    PM_FUZZ_CHECK(e.message().find(PM_FUZZ_DESCRIPTOR_PLUGIN) != std::string::npos, "the error names the file: " + e.describe());
  } catch (const std::exception& e) {
    broken("the loader refuses a descriptor with a plugin_error only", e.what());
  }
  f.set(nullptr);
  PM_FUZZ_CHECK(got == expected, "the loader says '" + (got.empty() ? std::string("loaded") : got) +
                                     "', the ABI's rules '" + (expected.empty() ? std::string("loaded") : expected) + "'");
  if (!lib) return 0;
  PM_FUZZ_CHECK(lib->name() == d.name, lib->name());
  PM_FUZZ_CHECK(lib->version() == (d.version ? d.version : ""), lib->version());
  PM_FUZZ_CHECK(lib->functions().size() == count, "the plugin holds " + std::to_string(lib->functions().size()));
  for (const auto& fn : functions) {
    auto it = lib->functions().find(fn.name);
    PM_FUZZ_CHECK(it != lib->functions().end(), std::string("function ") + fn.name + " is missing");
    PM_FUZZ_CHECK(it->second.fn == fn.function && it->second.qualified == std::string(d.name) + "." + fn.name,
                  it->second.qualified);
    PM_FUZZ_CHECK(it->second.signature == (fn.signature ? fn.signature : ""), it->second.signature);
    const bool covered = fn.struct_size >= PM_NEEDS(pm_function_descriptor, typed);
    PM_FUZZ_CHECK(it->second.typed == (covered ? fn.typed : nullptr),
                  "typed read from a function descriptor of struct_size " + std::to_string(fn.struct_size));
  }
  return 0;
}
