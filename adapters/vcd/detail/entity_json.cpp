#include "adapters/vcd/detail/entity_json.hpp"

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "protocol/errors.hpp"

namespace vcdlb::vcd::detail {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return {};
  return std::string{v->get_string()};
}

caf::expected<json::object> parse_object(std::string_view body, std::string_view what) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return caf::make_error(vcd_errc::bad_response, std::string{what} + " is not a JSON object"
                                                     + (ec ? ": " + ec.message() : std::string{}));
  return std::move(v.as_object());
}

} // namespace

caf::expected<defined_entity> decode_defined_entity(std::string_view body, std::string etag) {
  auto o = parse_object(body, "defined entity");
  if (!o)
    return std::move(o.error());
  defined_entity out;
  out.id = string_field(*o, "id");
  if (out.id.empty())
    return caf::make_error(vcd_errc::bad_response, "defined entity without an id");
  const auto* entity = o->if_contains("entity");
  if (entity == nullptr || !entity->is_object())
    return caf::make_error(vcd_errc::bad_response,
                           "defined entity " + out.id + " has no 'entity' object");
  out.entity_type = string_field(*o, "entityType");
  out.name = string_field(*o, "name");
  out.state = string_field(*o, "entityState");
  if (out.state.empty())
    out.state = string_field(*o, "state");
  out.body = std::string{body};
  out.etag = std::move(etag);
  return out;
}

caf::expected<defined_entity_type> decode_defined_entity_type(std::string_view body) {
  auto o = parse_object(body, "defined entity type");
  if (!o)
    return std::move(o.error());
  defined_entity_type out;
  out.id = string_field(*o, "id");
  if (out.id.empty())
    return caf::make_error(vcd_errc::bad_response, "defined entity type without an id");
  out.name = string_field(*o, "name");
  out.vendor = string_field(*o, "vendor");
  out.nss = string_field(*o, "nss");
  out.version = string_field(*o, "version");
  return out;
}

} // namespace vcdlb::vcd::detail
