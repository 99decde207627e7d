// host.buffers(): creation, lookup by id and typed creation, over the buffer core and the Host's
// buffer-type registry.
#include <promethean/buffer/ledger.hpp>
#include <promethean/error.hpp>
#include <promethean/host/host.hpp>
#include <promethean/host/host_buffers.hpp>

namespace promethean {

host_buffers host::buffers() noexcept { return host_buffers(*this); }

buffer host_buffers::create(std::string_view format, const shape_t& shape) const {
  return create(parse_dtype(format), shape);
}

buffer host_buffers::create(dtype format, const shape_t& shape) const { return buffer::allocate(format, shape); }

buffer host_buffers::create_typed(std::string_view type_name, const std::map<std::string, std::size_t>& sizes) const {
  return types().create(type_name, sizes);
}

std::optional<buffer> host_buffers::find(std::string_view id) const { return ledger::instance().find(id); }

buffer host_buffers::get(std::string_view id) const {
  if (auto b = find(id)) return *b;
  throw buffer_error("no live buffer with id '" + std::string(id) +
                     "' (it was released, or the id was never handed out)");
}

buffer_type_registry& host_buffers::types() const noexcept { return m_host->buffer_types(); }

}  // namespace promethean
