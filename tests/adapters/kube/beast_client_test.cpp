// The HTTPS client against a scripted vcdlb::http::server over loopback TLS.

#include "adapters/kube/beast_client.hpp"

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "adapters/http/tls.hpp"
#include "protocol/errors.hpp"
#include "tests/adapters/http/fixture.hpp"

namespace vcdlb::kube {
namespace {

using namespace std::chrono_literals;
using http::request;
using http::response;
using http::response_writer;

constexpr std::string_view svc_json =
  R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"7"},"spec":{"type":"LoadBalancer","ports":[{"name":"http","protocol":"TCP","port":80,"nodePort":30080}]},"status":{"loadBalancer":{}}})";

std::string status_json(int code, std::string_view reason) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","reason":")"
         + std::string{reason} + R"(","code":)" + std::to_string(code) + "}";
}

response json(unsigned status, std::string body, http::header_list extra = {}) {
  response r;
  r.status = status;
  r.fields = {{"Content-Type", "application/json"}};
  for (auto& f : extra)
    r.fields.push_back(std::move(f));
  r.body = std::move(body);
  return r;
}

class beast_client_test : public http::test::http_test {
protected:
  beast_client_test() { start_server(); }
  ~beast_client_test() override {
    if (client_)
      client_->shutdown();
  }

  std::shared_ptr<beast_client> make(beast_client_options opts = {}) {
    opts.connection.server = server_->url();
    opts.connection.tls.ca_pem = server_->ca_pem();
    if (opts.connection.token.empty() && opts.connection.token_file.empty())
      opts.connection.token = "t0";
    opts.proxy_from_environment = false;
    opts.qps = opts.qps == 5.0 ? 0 : opts.qps; // tests are unthrottled unless they ask
    auto c = beast_client::make(io(), std::move(opts));
    EXPECT_TRUE(c) << describe(c.error());
    client_ = *c;
    return client_;
  }

  // Records every request and answers with `respond(req)`.
  void serve(std::function<response(const request&)> respond) {
    set_handler([this, respond](request req, std::shared_ptr<response_writer> w) {
      {
        std::lock_guard guard{seen_mtx_};
        seen_.push_back(req);
      }
      w->respond(respond(req));
    });
  }

  std::vector<request> seen() {
    std::lock_guard guard{seen_mtx_};
    return seen_;
  }

  template <class T>
  static caf::expected<T> wait(std::function<void(callback<T>)> start) {
    auto p = std::make_shared<std::promise<caf::expected<T>>>();
    auto f = p->get_future();
    start([p](caf::expected<T> r) { p->set_value(std::move(r)); });
    if (f.wait_for(http::test::bound) != std::future_status::ready)
      return caf::make_error(net_errc::timeout, std::string{"test bound exceeded"});
    return f.get();
  }

  std::shared_ptr<beast_client> client_;
  std::mutex seen_mtx_;
  std::vector<request> seen_;
};

TEST_F(beast_client_test, get_sends_token_and_decodes) {
  serve([](const request&) { return json(200, std::string{svc_json}); });
  auto c = make();
  auto s = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->name, "web");
  EXPECT_EQ(s->ports.at(0).node_port, 30080);
  auto reqs = seen();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target, "/api/v1/namespaces/default/services/web");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer t0");
  EXPECT_EQ(reqs[0].header("accept"), "application/json");
}

TEST_F(beast_client_test, status_errors_become_kube_errors) {
  serve([](const request& r) {
    if (r.target.ends_with("/missing"))
      return json(404, status_json(404, "NotFound"));
    if (r.method == "PUT")
      return json(409, status_json(409, "Conflict"));
    return json(200, "{not json");
  });
  auto c = make();
  auto nf = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "missing"}, cb); });
  ASSERT_FALSE(nf);
  EXPECT_TRUE(has_code(nf.error(), kube_errc::not_found));
  auto conflict = wait<lease>([&](auto cb) {
    c->update_lease(lease{"kube-system", "vcdlb", "3", "me", 15, "", "", 0}, cb);
  });
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(has_code(conflict.error(), kube_errc::conflict));
  auto bad = wait<node_snapshot>([&](auto cb) { c->get_node("n1", cb); });
  ASSERT_FALSE(bad);
  EXPECT_TRUE(has_code(bad.error(), kube_errc::bad_response));
}

TEST_F(beast_client_test, list_query_and_paths) {
  serve([](const request&) {
    return json(
      200, R"({"kind":"List","metadata":{"resourceVersion":"42","continue":"c2"},"items":[]})");
  });
  auto c = make();
  list_options o;
  o.ns = "team a";
  o.label_selector = "app in (web,api)";
  o.resource_version = "0";
  o.limit = 500;
  auto l = wait<list_result<service_snapshot>>([&](auto cb) { c->list_services(o, cb); });
  ASSERT_TRUE(l) << describe(l.error());
  EXPECT_EQ(l->resource_version, "42");
  EXPECT_EQ(l->continue_token, "c2");
  list_options all;
  all.continue_token = "c2";
  ASSERT_TRUE(wait<list_result<node_snapshot>>([&](auto cb) { c->list_nodes(all, cb); }));
  ASSERT_TRUE(wait<list_result<endpoint_slice_snapshot>>(
    [&](auto cb) { c->list_endpoint_slices(list_options{}, cb); }));
  auto reqs = seen();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].path(), "/api/v1/namespaces/team%20a/services");
  auto q = http::parse_query(reqs[0].query());
  EXPECT_EQ(q,
            (std::vector<std::pair<std::string, std::string>>{
              {"labelSelector", "app in (web,api)"}, {"resourceVersion", "0"}, {"limit", "500"}}));
  EXPECT_EQ(reqs[1].target, "/api/v1/nodes?continue=c2");
  EXPECT_EQ(reqs[2].target, "/apis/discovery.k8s.io/v1/endpointslices");
}

TEST_F(beast_client_test, writes_use_the_right_verbs_and_bodies) {
  serve([](const request& r) {
    if (r.target.find("/leases") != std::string::npos)
      return json(
        r.method == "POST" ? 201 : 200,
        R"({"kind":"Lease","metadata":{"name":"vcdlb","namespace":"kube-system","resourceVersion":"9"},"spec":{"holderIdentity":"me","leaseDurationSeconds":15}})");
    if (r.target.find("/events") != std::string::npos)
      return json(
        201,
        R"({"kind":"Event","metadata":{"name":"web.1","namespace":"default"},"reason":"R","count":2})");
    return json(200, std::string{svc_json});
  });
  auto c = make();
  ASSERT_TRUE(wait<service_snapshot>([&](auto cb) {
    c->patch_service_status({"default", "web"}, {{"192.0.2.1", "", "", {}}}, cb);
  }));
  ASSERT_TRUE(wait<service_snapshot>([&](auto cb) {
    c->patch_service_finalizers({"default", "web"}, {"a/b"}, "7", cb);
  }));
  ASSERT_TRUE(wait<lease>([&](auto cb) {
    c->create_lease(lease{"kube-system", "vcdlb", "", "me", 15, "", "", 0}, cb);
  }));
  ASSERT_TRUE(wait<lease>([&](auto cb) {
    c->update_lease(lease{"kube-system", "vcdlb", "9", "me", 15, "", "", 0}, cb);
  }));
  event ev;
  ev.ns = "default";
  ev.name = "web.1";
  ev.involved_object = {"Service", "default", "web", "u1", "v1", "7"};
  ASSERT_TRUE(wait<event>([&](auto cb) { c->create_event(ev, cb); }));
  ASSERT_TRUE(wait<event>([&](auto cb) { c->patch_event({"default", "web.1"}, 2, "t", "m", cb); }));
  auto reqs = seen();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[0].method, "PATCH");
  EXPECT_EQ(reqs[0].target, "/api/v1/namespaces/default/services/web/status");
  EXPECT_EQ(reqs[0].header("content-type"), "application/merge-patch+json");
  EXPECT_EQ(reqs[0].body, R"({"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}})");
  EXPECT_EQ(reqs[1].target, "/api/v1/namespaces/default/services/web");
  EXPECT_EQ(reqs[1].body, R"({"metadata":{"resourceVersion":"7","finalizers":["a/b"]}})");
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].target, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
  EXPECT_EQ(reqs[3].method, "PUT");
  EXPECT_EQ(reqs[3].target, "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/vcdlb");
  EXPECT_NE(reqs[3].body.find(R"("resourceVersion":"9")"), std::string::npos);
  EXPECT_EQ(reqs[4].target, "/api/v1/namespaces/default/events");
  EXPECT_EQ(reqs[5].method, "PATCH");
  EXPECT_EQ(reqs[5].target, "/api/v1/namespaces/default/events/web.1");
}

TEST_F(beast_client_test, retries_only_with_retry_after) {
  std::atomic<int> calls{0};
  serve([&](const request& r) {
    auto n = calls++;
    if (r.target.ends_with("/a") && n == 0)
      return json(429, status_json(429, "TooManyRequests"), {{"Retry-After", "0"}});
    if (r.target.ends_with("/b"))
      return json(503, status_json(503, "ServiceUnavailable")); // no Retry-After: no retry
    return json(200, std::string{svc_json});
  });
  auto c = make();
  ASSERT_TRUE(wait<service_snapshot>([&](auto cb) { c->get_service({"default", "a"}, cb); }));
  EXPECT_EQ(c->stats().retries, 1u);
  auto b = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "b"}, cb); });
  ASSERT_FALSE(b);
  EXPECT_TRUE(has_code(b.error(), kube_errc::unavailable));
  EXPECT_EQ(c->stats().retries, 1u);
  EXPECT_EQ(calls.load(), 3);
}

// Records what the client reports per exchange (rest_client_* metrics live outside).
struct recording_observer final : request_observer {
  void request_done(std::string_view method, unsigned status,
                    std::chrono::steady_clock::duration took, bool watch) override {
    std::lock_guard guard{mtx};
    seen.push_back(std::string{method} + " " + std::to_string(status) + (watch ? " watch" : ""));
    EXPECT_GE(took.count(), 0);
  }
  std::vector<std::string> list() {
    std::lock_guard guard{mtx};
    return seen;
  }
  std::mutex mtx;
  std::vector<std::string> seen;
};

TEST_F(beast_client_test, every_exchange_is_reported_to_the_observer) {
  serve([](const request& r) {
    if (r.method == "PUT")
      return json(409, status_json(409, "Conflict"));
    if (r.target.ends_with("/a"))
      return json(429, status_json(429, "TooManyRequests"), {{"Retry-After", "0"}});
    return json(200, std::string{svc_json});
  });
  auto obs = std::make_shared<recording_observer>();
  beast_client_options o;
  o.observer = obs;
  o.max_retries = 1;
  auto c = make(std::move(o));
  ASSERT_TRUE(wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); }));
  EXPECT_FALSE(wait<lease>([&](auto cb) {
    c->update_lease(lease{"kube-system", "vcdlb", "3", "me", 15, "", "", 0}, cb);
  }));
  // A 429 with Retry-After: 0 is retried; both exchanges count (the retry answers 429 too).
  EXPECT_FALSE(wait<service_snapshot>([&](auto cb) { c->get_service({"default", "a"}, cb); }));
  auto seen = obs->list();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "GET 200");
  EXPECT_EQ(seen[1], "PUT 409");
  EXPECT_EQ(seen[2], "GET 429");
  EXPECT_EQ(seen[3], "GET 429");
}

TEST_F(beast_client_test, rotated_token_is_reread_after_401) {
  char tmpl[] = "/tmp/vcdlb-token-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto path = dir + "/token";
  std::ofstream{path} << "old\n";
  std::mutex mtx;
  std::string valid = "Bearer old";
  serve([&](const request& r) {
    std::lock_guard guard{mtx};
    if (r.header("authorization") != valid)
      return json(401, status_json(401, "Unauthorized"));
    return json(200, std::string{svc_json});
  });
  beast_client_options opts;
  opts.connection.token_file = path;
  auto c = make(opts);
  ASSERT_TRUE(wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); }));
  // The kubelet rotates the token and the server stops accepting the old one.
  std::ofstream{path} << "new\n";
  {
    std::lock_guard guard{mtx};
    valid = "Bearer new";
  }
  auto s = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_TRUE(s) << describe(s.error());
  auto reqs = seen();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1].header("authorization"), "Bearer old");
  EXPECT_EQ(reqs[2].header("authorization"), "Bearer new");
  // A token nobody accepts is an error after one re-read, not a loop.
  {
    std::lock_guard guard{mtx};
    valid = "Bearer other";
  }
  auto denied = wait<service_snapshot>([&](auto cb) { c->get_service({"default", "web"}, cb); });
  ASSERT_FALSE(denied);
  EXPECT_TRUE(has_code(denied.error(), kube_errc::unauthorized));
  EXPECT_EQ(describe(denied.error()).find("new"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_F(beast_client_test, throttles_beyond_the_burst) {
  serve([](const request&) { return json(200, std::string{svc_json}); });
  beast_client_options opts;
  opts.qps = 20;
  opts.burst = 2;
  auto c = make(opts);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<caf::expected<service_snapshot>>> results;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<caf::expected<service_snapshot>>>();
    results.push_back(p->get_future());
    c->get_service({"default", "web"}, [p](caf::expected<service_snapshot> r) { p->set_value(r); });
  }
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(http::test::bound), std::future_status::ready);
    EXPECT_TRUE(f.get());
  }
  EXPECT_EQ(c->stats().throttled, 3u);
  // 3 requests over the burst at 20/s: the last may start only ~150 ms later.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);
}

TEST_F(beast_client_test, tls_is_verified) {
  serve([](const request&) { return json(200, std::string{svc_json}); });
  auto other = http::make_self_signed({"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(other);
  beast_client_options opts;
  opts.connection.server = server_->url();
  opts.connection.tls.ca_pem = other->cert_pem; // not the server's
  opts.connection.token = "t0";
  opts.proxy_from_environment = false;
  auto c = beast_client::make(io(), opts);
  ASSERT_TRUE(c);
  auto r = wait<service_snapshot>([&](auto cb) { (*c)->get_service({"default", "web"}, cb); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
  EXPECT_TRUE(seen().empty());
  (*c)->shutdown();
}

struct watch_result {
  std::vector<watch_event<service_snapshot>> events;
  caf::error end;
};

class beast_watch_test : public beast_client_test {
protected:
  // Serves one watch with `chunks`, then ends the body (or keeps it open).
  void serve_watch(std::vector<std::string> chunks, bool finish = true) {
    set_handler([this, chunks, finish](request req, std::shared_ptr<response_writer> w) {
      {
        std::lock_guard guard{seen_mtx_};
        seen_.push_back(req);
      }
      w->on_close([this] { closed_ = true; });
      w->start_stream(200, {{"Content-Type", "application/json"}});
      for (const auto& c : chunks)
        w->write(c);
      if (finish)
        w->finish();
      else
        open_ = w;
    });
  }

  watch_result run_watch(watch_options o, bool cancel_after_first = false) {
    auto res = std::make_shared<watch_result>();
    auto done = std::make_shared<std::promise<void>>();
    auto handle = std::make_shared<watch_ptr>();
    std::mutex mtx;
    watch_handler<service_snapshot> h;
    // A weak reference: the handler lives inside the watch, which the handle owns.
    std::weak_ptr<watch_ptr> weak_handle = handle;
    h.on_event = [res, weak_handle, cancel_after_first, &mtx](watch_event<service_snapshot> ev) {
      res->events.push_back(std::move(ev));
      if (cancel_after_first) {
        std::lock_guard guard{mtx};
        if (auto w = weak_handle.lock())
          (*w)->cancel();
      }
    };
    h.on_end = [res, done](const caf::error& err) {
      res->end = err;
      done->set_value();
    };
    {
      std::lock_guard guard{mtx};
      *handle = client_->watch_services(std::move(o), std::move(h));
    }
    EXPECT_EQ(done->get_future().wait_for(http::test::bound), std::future_status::ready);
    return *res;
  }

  std::atomic<bool> closed_{false};
  std::shared_ptr<response_writer> open_;
};

TEST_F(beast_watch_test, events_split_anywhere_then_clean_end) {
  std::string body =
    R"({"type":"ADDED","object":{"kind":"Service","metadata":{"name":"a","namespace":"default","resourceVersion":"11"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"Service","metadata":{"name":"a","namespace":"default","resourceVersion":"12"},"spec":{"type":"LoadBalancer"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Service","metadata":{"resourceVersion":"30"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"Service","metadata":{"name":"a","namespace":"default","resourceVersion":"31"}}})"
    "\n";
  std::vector<std::string> chunks;
  for (size_t i = 0; i < body.size(); i += 37)
    chunks.push_back(body.substr(i, 37));
  serve_watch(chunks);
  make();
  watch_options o;
  o.ns = "default";
  o.resource_version = "10";
  o.timeout = 312s;
  auto r = run_watch(o);
  EXPECT_FALSE(r.end) << describe(r.end);
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.events[0].type, watch_event_type::added);
  EXPECT_EQ(r.events[1].object.type, "LoadBalancer");
  EXPECT_EQ(r.events[2].type, watch_event_type::bookmark);
  EXPECT_EQ(r.events[2].resource_version, "30");
  EXPECT_EQ(r.events[3].type, watch_event_type::deleted);
  auto reqs = seen();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/api/v1/namespaces/default/services?watch=true&resourceVersion=10&"
                            "allowWatchBookmarks=true&timeoutSeconds=312");
  EXPECT_EQ(reqs[0].header("authorization"), "Bearer t0");
}

TEST_F(beast_watch_test, error_event_carries_410) {
  serve_watch(
    {R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}})json"
     "\n"});
  make();
  auto r = run_watch({});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].type, watch_event_type::error);
  EXPECT_TRUE(has_code(r.events[0].error, kube_errc::gone));
  EXPECT_FALSE(r.end);
}

TEST_F(beast_watch_test, undecodable_line_ends_the_watch_with_bad_response) {
  serve_watch(
    {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n",
     "{garbage}\n",
     "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"2\"}}}\n"},
    false);
  make();
  auto r = run_watch({});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(has_code(r.end, kube_errc::bad_response)) << describe(r.end);
}

TEST_F(beast_watch_test, non_200_answer_is_the_status_error) {
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->respond(json(403, status_json(403, "Forbidden")));
  });
  make();
  auto r = run_watch({});
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(has_code(r.end, kube_errc::forbidden)) << describe(r.end);
}

TEST_F(beast_watch_test, cancel_closes_the_stream) {
  serve_watch(
    {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"1\"}}}\n"},
    false);
  make();
  auto r = run_watch({}, true);
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_TRUE(has_code(r.end, net_errc::cancelled)) << describe(r.end);
  EXPECT_TRUE(http::test::eventually([&] { return closed_.load(); }));
}

} // namespace
} // namespace vcdlb::kube
