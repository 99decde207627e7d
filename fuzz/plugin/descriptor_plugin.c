/* The plugin the plugin-descriptor harness loads (fuzz/plugin_descriptor_fuzzer.cpp): its entry
 * returns whatever descriptor the harness set last, a descriptor built from fuzz bytes. */
#include <promethean/rust/plugin_abi.h>

static const pm_plugin_descriptor* g_descriptor;

/* Called by the harness (through dlsym) before it has the host load this library. */
PM_PLUGIN_EXPORT void pm_fuzz_descriptor_set(const pm_plugin_descriptor* descriptor) { g_descriptor = descriptor; }

PM_PLUGIN_EXPORT const pm_plugin_descriptor* promethean_plugin_entry(void) { return g_descriptor; }
