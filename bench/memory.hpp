// Resident memory of this process, for "peak resident memory added" by a benchmark: Linux keeps a
// high-water mark (VmHWM) that writing 5 to /proc/self/clear_refs resets to the current size.
#pragma once

#include <cstdint>

namespace promethean::bench {

/// Resets the high-water mark and returns the current resident size in bytes; -1 when this kernel
/// does not allow the reset (the figure is then reported as unknown, never as zero).
std::int64_t reset_peak_resident();

/// The resident size now, in bytes (-1 if unreadable).
std::int64_t current_resident();

/// The high-water mark of the resident size since the last reset, in bytes (-1 if unreadable).
std::int64_t peak_resident();

}  // namespace promethean::bench
