// The legacy XML API operations of the real client (vm_client.hpp): the query service and the
// vApp entity, over the same session, retries and error mapping as the CloudAPI operations.

#include <memory>

#include "adapters/vcd/beast_client.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "adapters/vcd/detail/legacy_xml.hpp"
#include "adapters/vcd/fiql.hpp"

namespace vcdlb::vcd {

namespace {

constexpr int64_t max_query_pages = 10'000; // guards against a server that never stops paging

} // namespace

void beast_client::query_vapps(std::string name, bool prefix,
                               callback<std::vector<vapp_record>> done) {
  struct state {
    std::string query; ///< everything but `page`
    callback<std::vector<vapp_record>> done;
    std::vector<vapp_record> values;
    int64_t page = 1;
  };
  auto st = std::make_shared<state>();
  // filterEncoded=true: the value is percent-encoded inside the filter (so a name with `;`, `,`
  // `*` or spaces stays one value), and the filter once more as a query parameter
  // (nodes-and-legacy-api.md §3.4).
  auto filter = "name==" + url_encode(name) + (prefix ? "*" : "");
  st->query = "/api/query?type=vApp&format=records&pageSize=" + std::to_string(opts_.page_size)
              + "&filterEncoded=true&filter=" + url_encode(filter);
  st->done = std::move(done);
  auto step = std::make_shared<std::function<void()>>();
  *step = [self = shared_from_this(), st, weak_step = std::weak_ptr{step}]() {
    call_spec spec{"GET", st->query + "&page=" + std::to_string(st->page), "", false, true};
    self->call(std::move(spec), [st, next = weak_step.lock()](caf::expected<http::response> r) {
      if (!r)
        return st->done(std::move(r.error()));
      auto page = detail::decode_query_records(r->body);
      if (!page)
        return st->done(std::move(page.error()));
      auto records = detail::vapp_records(*page);
      if (!records)
        return st->done(std::move(records.error()));
      auto got = records->size();
      for (auto& v : *records)
        st->values.push_back(std::move(v));
      // `total` decides; a page without records ends the listing even if `total` says more
      // (a server that miscounts must not make us loop).
      bool more =
        got > 0 && page->total >= 0 && static_cast<int64_t>(st->values.size()) < page->total;
      if (!more)
        return st->done(std::move(st->values));
      if (++st->page > max_query_pages)
        return st->done(
          caf::make_error(vcd_errc::bad_response, "more than " + std::to_string(max_query_pages)
                                                    + " pages from /api/query?type=vApp"));
      (*next)();
    });
  };
  (*step)();
}

void beast_client::get_vapp(std::string href, callback<vapp> done) {
  // by_id: VCD answers 403 for a vApp that is gone; xml: the legacy API.
  call_spec spec{"GET", detail::target_from_url(href, base_path_), "", true, true};
  call(std::move(spec), [done = std::move(done)](caf::expected<http::response> r) {
    if (!r)
      return done(std::move(r.error()));
    done(detail::decode_vapp(r->body));
  });
}

} // namespace vcdlb::vcd
