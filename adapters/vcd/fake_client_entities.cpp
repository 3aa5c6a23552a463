// The fake client's runtime defined entities (fake_client.hpp): GET and PUT with ETags, entity
// types, and the other writers a test plays.

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "adapters/vcd/detail/entity_json.hpp"
#include "adapters/vcd/errors.hpp"
#include "adapters/vcd/fake_client.hpp"

namespace vcdlb::vcd {

namespace {

std::string etag_of(uint64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

// VCD (API > 36.0) answers 404 for a defined entity that does not exist.
caf::error unknown_entity(const std::string& id) {
  return make_http_error(404, "NOT_FOUND", "[ fake ] RDE with id " + id + " does not exist.", -1,
                         false);
}

// A DefinedEntity body for `id`: a JSON object with that id and an `entity` object.
caf::error check_body(const std::string& id, const std::string& body) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object())
    return make_http_error(400, "BAD_REQUEST", "[ fake ] the body is not a JSON object", -1, true);
  const auto& o = v.as_object();
  const auto* entity = o.if_contains("entity");
  if (entity == nullptr || !entity->is_object())
    return make_http_error(400, "BAD_REQUEST",
                           "[ fake ] Validation error on field 'entity': must be an object.", -1,
                           true);
  const auto* given = o.if_contains("id");
  if (given != nullptr && given->is_string() && given->get_string() != id)
    return make_http_error(400, "BAD_REQUEST", "[ fake ] the body's id is not the entity's", -1,
                           true);
  return {};
}

} // namespace

void fake_client::put_defined_entity(defined_entity e) {
  auto id = e.id;
  e.etag = etag_of(1);
  entities_[id] = entity_record{std::move(e), 1};
}

void fake_client::add_defined_entity_type(defined_entity_type t) {
  auto id = t.id;
  entity_types_[id] = std::move(t);
}

void fake_client::write_defined_entity_as_other(const std::string& id, std::string body) {
  auto i = entities_.find(id);
  if (i == entities_.end())
    return;
  auto& rec = i->second;
  rec.entity.body = std::move(body);
  rec.entity.etag = etag_of(++rec.version);
}

void fake_client::remove_defined_entity(const std::string& id) {
  entities_.erase(id);
}

std::optional<defined_entity> fake_client::defined_entity_by_id(const std::string& id) const {
  auto i = entities_.find(id);
  if (i == entities_.end())
    return std::nullopt;
  return i->second.entity;
}

void fake_client::get_defined_entity(std::string entity_id, callback<defined_entity> done) {
  if (auto err = enter(operation::get_defined_entity))
    return done(std::move(err));
  auto i = entities_.find(entity_id);
  if (i == entities_.end())
    return done(unknown_entity(entity_id));
  // Decoded like the real client would (a malformed seeded body is a bad_response).
  done(detail::decode_defined_entity(i->second.entity.body, i->second.entity.etag));
}

void fake_client::update_defined_entity(defined_entity e, callback<defined_entity> done) {
  if (auto err = enter(operation::update_defined_entity))
    return done(std::move(err));
  if (e.etag.empty())
    return done(
      caf::make_error(vcd_errc::bad_request, "refusing an unconditional write of entity " + e.id));
  auto i = entities_.find(e.id);
  if (i == entities_.end())
    return done(unknown_entity(e.id));
  auto& rec = i->second;
  if (e.etag != rec.entity.etag)
    return done(make_http_error(412, "PRECONDITION_FAILED",
                                "[ fake ] The entity was changed by someone else (ETag mismatch).",
                                -1, true));
  if (auto err = check_body(e.id, e.body))
    return done(std::move(err));
  auto stored = detail::decode_defined_entity(e.body, etag_of(rec.version + 1));
  if (!stored)
    return done(std::move(stored.error()));
  rec.entity = *stored;
  ++rec.version;
  done(std::move(*stored));
}

void fake_client::get_defined_entity_type(std::string type_id, callback<defined_entity_type> done) {
  if (auto err = enter(operation::get_defined_entity_type))
    return done(std::move(err));
  auto i = entity_types_.find(type_id);
  if (i == entity_types_.end())
    return done(unknown_entity(type_id));
  done(i->second);
}

} // namespace vcdlb::vcd
