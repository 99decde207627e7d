// JSON text parsed with a bound on nesting (see json_text.hpp).
#include <promethean/host/json_text.hpp>

#include <promethean/error.hpp>

#include <string>

namespace promethean {
namespace {

/// nlohmann's own DOM builder, counting how deep the text is; parse() calls these members on the
/// type it is given, so hiding the base's is enough. Stops before building anything deeper.
class depth_limited_dom : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
  using base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;

 public:
  depth_limited_dom(nlohmann::json& result, std::size_t max_depth) : base(result, true), m_max_depth(max_depth) {}

  bool start_object(std::size_t elements) {
    enter();
    return base::start_object(elements);
  }
  bool end_object() {
    --m_depth;
    return base::end_object();
  }
  bool start_array(std::size_t elements) {
    enter();
    return base::start_array(elements);
  }
  bool end_array() {
    --m_depth;
    return base::end_array();
  }

 private:
  void enter() {
    if (++m_depth > m_max_depth) {
      throw message_error("JSON text nested deeper than " + std::to_string(m_max_depth) +
                          " levels (arrays and objects): refused");
    }
  }

  std::size_t m_max_depth;
  std::size_t m_depth = 0;
};

}  // namespace

nlohmann::json parse_json_text(std::string_view text, std::size_t max_depth) {
  nlohmann::json result;
  depth_limited_dom sax(result, max_depth);
  try {
    nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const nlohmann::json::out_of_range& e) {
    // A number past a double's range (1e999) is nlohmann's out_of_range 406, which no caller
    // expected (found by fuzzing the C API: fuzz/regressions/c_api/number_overflow.bin): it is
    // text that is not JSON a host can hold, so a parse_error like any other.
    throw nlohmann::json::parse_error::create(101, 0, std::string("a number out of range (") + e.what() + ")", nullptr);
  }
  return result;
}

}  // namespace promethean
