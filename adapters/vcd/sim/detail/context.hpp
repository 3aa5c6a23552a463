#pragma once

// One request in flight inside the simulator, and the reply builders every handler uses:
// JSON bodies, CloudAPI error bodies, 202 + Location task replies, and paged lists.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "adapters/http/message.hpp"
#include "adapters/vcd/sim/detail/fiql.hpp"
#include "adapters/vcd/sim/detail/state.hpp"

namespace vcdlb::vcd::sim::detail {

struct ctx {
  ctx(const http::request& r, state& s) : req(r), st(s) {}

  const http::request& req;
  state& st;
  std::vector<std::string> params; ///< the path's {placeholders} in order
  std::vector<std::pair<std::string, std::string>> query;
  std::string path;
  std::string route; ///< "GET /cloudapi/1.0.0/edgeGateways/{id}"
  int version = 0;   ///< negotiated from Accept
  bool xml = false;  ///< the client asked for XML (legacy API)
  const session_rec* session = nullptr;
  std::string scope_org; ///< the org whose objects are visible; "" = all (provider)
  std::string request_id;
  time_point now{};
  std::string reason; ///< why the request was rejected, for the counters

  [[nodiscard]] std::optional<std::string> q(std::string_view key) const;
  [[nodiscard]] bool provider() const { return session != nullptr && session->provider; }
  [[nodiscard]] bool sees_org(const std::string& org_id) const {
    return scope_org.empty() || scope_org == org_id;
  }
  /// "https://host:port" for Location/Link/href values.
  [[nodiscard]] std::string base() const;
};

/// 200/201 JSON reply with `Content-Type: application/json;version=X`.
http::response json_reply(ctx& c, unsigned status, const json::value& body);
/// An XML reply (legacy API).
http::response xml_reply(ctx& c, unsigned status, std::string body, std::string_view media_type);
/// CloudAPI error: `{"minorErrorCode", "message": "[ <request id> ] ...", "stackTrace"}`;
/// counts `reason` as a rejection.
http::response error_reply(ctx& c, unsigned status, std::string_view minor,
                           std::string_view message, std::string_view reason);
/// 400 BAD_REQUEST with the given reason.
http::response bad_request(ctx& c, std::string_view message, std::string_view reason);
/// 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for an unknown or invisible URN.
http::response forbidden(ctx& c, std::string_view id);
/// 202, empty body, `Location: <base>/api/task/<uuid>`.
http::response accepted(ctx& c, const task_rec& t);
/// 204.
http::response no_content(ctx& c);

/// A paged list of already-rendered objects: applies `filter` (only `searchable` fields,
/// else 400), `sortAsc`/`sortDesc`, `page`/`pageSize` (max from the scenario), and answers
/// the page envelope with `Link` headers (firstPage, previousPage, nextPage, lastPage).
http::response list_reply(ctx& c, std::vector<json::value> items,
                          std::initializer_list<std::string_view> searchable,
                          const fiql_special& special = {});

/// For a filter that is a conjunction with a `name==X` term (the lookup clients make all the
/// time): X, so a handler can skip rendering objects of other names. The full filter is
/// still applied by list_reply.
std::optional<std::string> name_filter_hint(const ctx& c);

/// The `BUSY_ENTITY` reply if the gateway has a running task, else nullopt.
std::optional<http::response> check_busy(ctx& c, const gateway_rec& g);

// -- body access helpers (input validation) --------------------------------------------------

/// The JSON object body, or a 400 reply.
std::optional<json::object> parse_body(ctx& c, http::response& error);
std::string str_field(const json::object& o, std::string_view key);
/// `{ref}.id` of a reference field, or "".
std::string ref_id(const json::object& o, std::string_view key);
bool has_field(const json::object& o, std::string_view key);
/// Integer field or nullopt (also for non-integers).
std::optional<int64_t> int_field(const json::object& o, std::string_view key);

} // namespace vcdlb::vcd::sim::detail
