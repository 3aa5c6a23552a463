#include "runtime/ops_server.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

namespace vcdlb::runtime {

namespace {

using namespace std::string_view_literals;

http::response text(unsigned status, std::string body,
                    std::string content_type = "text/plain; charset=utf-8") {
  http::response r;
  r.status = status;
  r.fields = {{"Content-Type", std::move(content_type)},
              {"X-Content-Type-Options", "nosniff"},
              {"Cache-Control", "no-store"}};
  r.body = std::move(body);
  return r;
}

http::response health_response(const http::request& req, const health& checks, health::kind k,
                               std::string_view endpoint, std::string_view rest) {
  if (!rest.empty()) {
    // "/readyz/NAME": a single check.
    auto one = checks.run_one(k, rest);
    if (!one)
      return text(404, "404 page not found\n");
    if (!one->failure)
      return text(200, "ok");
    return text(500, "[-]" + one->name + " failed: " + *one->failure + "\n");
  }
  bool verbose = false;
  std::vector<std::string> excluded;
  for (auto& [key, value] : http::parse_query(req.query())) {
    if (key == "verbose")
      verbose = value.empty() || value == "true" || value == "1";
    else if (key == "exclude")
      excluded.push_back(value);
  }
  auto report = checks.run(k);
  std::erase_if(report.results, [&](const health::result& r) {
    return std::find(excluded.begin(), excluded.end(), r.name) != excluded.end();
  });
  report.ok = std::all_of(report.results.begin(), report.results.end(),
                          [](const health::result& r) { return !r.failure; });
  unsigned status = report.ok ? 200 : 500;
  if (report.ok && !verbose)
    return text(status, "ok");
  return text(status, format_verbose(report, endpoint));
}

} // namespace

http::response ops_response(const http::request& req, const metrics::registry& metrics,
                            const health& checks) {
  auto path = req.path();
  enum class route { metrics, healthz, readyz, none } which = route::none;
  std::string_view rest;
  auto under = [&](std::string_view base) {
    if (path == base)
      return true;
    if (path.size() > base.size() + 1 && path.starts_with(base) && path[base.size()] == '/') {
      rest = path.substr(base.size() + 1);
      return true;
    }
    return false;
  };
  if (path == "/metrics")
    which = route::metrics;
  else if (under("/healthz"))
    which = route::healthz;
  else if (under("/readyz"))
    which = route::readyz;
  if (which == route::none)
    return text(404, "404 page not found\n");
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = text(405, "method not allowed\n");
    r.fields.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  switch (which) {
  case route::metrics:
    return text(200, metrics.expose(), std::string{metrics::registry::content_type});
  case route::healthz:
    return health_response(req, checks, health::kind::liveness, "healthz", rest);
  case route::readyz:
    return health_response(req, checks, health::kind::readiness, "readyz", rest);
  case route::none:
    break;
  }
  return text(404, "404 page not found\n");
}

caf::expected<std::unique_ptr<ops_server>>
ops_server::start(boost::asio::io_context& io, const std::string& listen,
                  std::shared_ptr<const metrics::registry> metrics,
                  std::shared_ptr<const health> checks) {
  if (listen.empty())
    return std::unique_ptr<ops_server>{};
  http::server_options opts;
  opts.listen = listen;
  opts.tls = false;
  opts.max_request_bytes = 64 * 1024; // GETs only; nothing legitimate is larger
  auto s = http::server::start(io, std::move(opts),
                               [metrics = std::move(metrics), checks = std::move(checks)](
                                 http::request req, std::shared_ptr<http::response_writer> w) {
                                 w->respond(ops_response(req, *metrics, *checks));
                               });
  if (!s)
    return s.error();
  return std::unique_ptr<ops_server>{new ops_server{std::move(*s)}};
}

ops_server::~ops_server() {
  if (server_)
    server_->stop();
}

} // namespace vcdlb::runtime
