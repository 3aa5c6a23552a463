#include "actors/rde/detail/entity_json.hpp"

#include <boost/json/parse.hpp>

#include "protocol/errors.hpp"

namespace vcdlb::rde::detail {

namespace json = boost::json;

caf::error bad_entity(std::string what) {
  return caf::make_error(vcd_errc::bad_response, std::move(what));
}

caf::expected<json::value> parse_entity_body(std::string_view body, std::string_view initialiser) {
  json::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return bad_entity("the cluster's entity is not a JSON object");
  auto* entity = doc.as_object().if_contains("entity");
  if (entity == nullptr || !entity->is_object())
    return bad_entity("the cluster's entity has no 'entity' object");
  auto* status = entity->as_object().if_contains("status");
  if (status == nullptr || !status->is_object())
    return bad_entity("the cluster's entity has no 'entity.status' object ("
                      + std::string{initialiser} + " has not initialised it)");
  return doc;
}

json::object& status_of(json::value& doc) {
  return doc.as_object()["entity"].as_object()["status"].as_object();
}

} // namespace vcdlb::rde::detail
