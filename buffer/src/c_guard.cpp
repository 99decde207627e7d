// The C boundary's owned errors: made from the exception being handled, the static
// out-of-memory one, taken back by the host, freed.
#include <promethean/detail/c_guard.hpp>

#include <exception>
#include <new>

namespace promethean::detail {

pm_error* c_out_of_memory() noexcept {
  static pm_error oom{error("host", "MemoryError", "out of memory")};
  return &oom;
}

pm_error* c_error_new(const error& e) noexcept {
  try {
    return new pm_error{e};
  } catch (...) {
    return c_out_of_memory();  // copying the error's strings failed
  }
}

void c_error_delete(pm_error* e) noexcept {
  if (e != c_out_of_memory()) delete e;
}

error c_error_take(pm_error* e) {
  if (e == c_out_of_memory()) return e->e;
  error taken = std::move(e->e);
  delete e;
  return taken;
}

pm_error* c_error_from_current_exception() noexcept {
  try {
    throw;
  } catch (const error& e) {
    return c_error_new(e);
  } catch (const std::bad_alloc&) {
    return c_out_of_memory();
  } catch (const std::exception& e) {
    try {
      return c_error_new(error("host", "InternalError", e.what()));
    } catch (...) {
      return c_out_of_memory();
    }
  } catch (...) {
    try {
      return c_error_new(error("host", "InternalError", "unknown exception in the host"));
    } catch (...) {
      return c_out_of_memory();
    }
  }
}

}  // namespace promethean::detail
