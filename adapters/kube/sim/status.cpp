#include "adapters/kube/sim/status.hpp"

#include <boost/json/array.hpp>

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

json::object details_for(std::string_view group, std::string_view kind, std::string_view name) {
  json::object d;
  d["name"] = name;
  if (!group.empty())
    d["group"] = group;
  d["kind"] = kind;
  return d;
}

// "services" or "leases.coordination.k8s.io", as the apiserver qualifies resources.
std::string qualified(std::string_view group, std::string_view resource) {
  std::string out{resource};
  if (!group.empty()) {
    out += '.';
    out += group;
  }
  return out;
}

} // namespace

json::object status_body(const api_error& err) {
  json::object body;
  body["kind"] = "Status";
  body["apiVersion"] = "v1";
  body["metadata"] = json::object{};
  body["status"] = "Failure";
  body["message"] = err.message;
  body["reason"] = err.reason;
  json::object details = err.details;
  if (err.retry_after_s > 0)
    details["retryAfterSeconds"] = err.retry_after_s;
  if (!details.empty())
    body["details"] = std::move(details);
  body["code"] = err.code;
  return body;
}

json::object success_status(json::object details) {
  json::object body;
  body["kind"] = "Status";
  body["apiVersion"] = "v1";
  body["metadata"] = json::object{};
  body["status"] = "Success";
  body["details"] = std::move(details);
  return body;
}

api_error not_found(std::string_view group, std::string_view resource, std::string_view name) {
  return {404, "NotFound", qualified(group, resource) + " \"" + std::string{name} + "\" not found",
          details_for(group, resource, name), 0};
}

api_error unknown_path() {
  return {404, "NotFound", "the server could not find the requested resource", {}, 0};
}

api_error already_exists(std::string_view group, std::string_view resource, std::string_view name) {
  return {409, "AlreadyExists",
          qualified(group, resource) + " \"" + std::string{name} + "\" already exists",
          details_for(group, resource, name), 0};
}

api_error conflict(std::string_view group, std::string_view resource, std::string_view name) {
  return conflict_message(group, resource, name,
                          "the object has been modified; please apply your changes to the latest "
                          "version and try again");
}

api_error conflict_message(std::string_view group, std::string_view resource, std::string_view name,
                           std::string message) {
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + qualified(group, resource) + " \""
            + std::string{name} + "\": " + message,
          details_for(group, resource, name), 0};
}

api_error bad_request(std::string message) {
  return {400, "BadRequest", std::move(message), {}, 0};
}

api_error invalid(std::string_view group, std::string_view kind, std::string_view name,
                  std::string_view field, std::string_view cause_reason, std::string detail) {
  std::string kind_name{kind};
  if (!group.empty())
    kind_name += "." + std::string{group};
  json::object cause;
  cause["reason"] = cause_reason;
  cause["message"] = detail;
  cause["field"] = field;
  auto details = details_for(group, kind, name);
  details["causes"] = json::array{cause};
  return {422, "Invalid",
          kind_name + " \"" + std::string{name} + "\" is invalid: " + std::string{field} + ": "
            + detail,
          std::move(details), 0};
}

api_error expired(std::string message) {
  return {410, "Expired", std::move(message), {}, 0};
}

api_error unauthorized() {
  return {401, "Unauthorized", "Unauthorized", {}, 0};
}

api_error method_not_allowed() {
  return {405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
          {},
          0};
}

api_error unsupported_media_type(std::string_view content_type) {
  return {415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json-patch+json, application/merge-patch+json, "
          "application/strategic-merge-patch+json (got \""
            + std::string{content_type} + "\")",
          {},
          0};
}

api_error unsupported_body_media_type(std::string_view content_type) {
  return {415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json (got \""
            + std::string{content_type} + "\")",
          {},
          0};
}

api_error not_acceptable(std::string_view accepted) {
  return {406,
          "NotAcceptable",
          "only the following media types are accepted: " + std::string{accepted},
          {},
          0};
}

api_error too_many_requests(unsigned retry_after_s) {
  return {429, "TooManyRequests", "Too many requests, please try again later.", {}, retry_after_s};
}

api_error internal_error(std::string message) {
  return {500, "InternalError", "Internal error occurred: " + message, {}, 0};
}

api_error service_unavailable(unsigned retry_after_s) {
  return {503,
          "ServiceUnavailable",
          "The server is currently unable to handle the request",
          {},
          retry_after_s};
}

api_error too_large_resource_version(uint64_t requested, uint64_t current) {
  json::object cause;
  cause["reason"] = "ResourceVersionTooLarge";
  cause["message"] = "Too large resource version";
  json::object details;
  details["causes"] = json::array{cause};
  return {504, "Timeout",
          "Too large resource version: " + std::to_string(requested)
            + ", current: " + std::to_string(current),
          std::move(details), 1};
}

} // namespace vcdlb::kube::sim
