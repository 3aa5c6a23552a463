// Request/response exchanges between the client and the server over loopback.

#include <atomic>
#include <condition_variable>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;

class http_round_trip : public http_test, public ::testing::WithParamInterface<bool> {};

TEST_P(http_round_trip, get_and_post_with_bodies) {
  server_options sopts;
  sopts.tls = GetParam();
  start_server(sopts);
  EXPECT_EQ(server_->url().rfind(GetParam() ? "https://127.0.0.1:" : "http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(server_->ca_pem().empty(), !GetParam());
  set_handler([](request req, std::shared_ptr<response_writer> w) {
    response r;
    r.status = req.method == "POST" ? 201 : 200;
    r.fields = {{"Content-Type", "application/json"},
                {"X-Seen-Host", std::string{req.header("host").value_or("")}},
                {"X-Seen-Agent", std::string{req.header("user-agent").value_or("")}},
                {"X-Seen-Length", std::string{req.header("content-length").value_or("-")}}};
    r.body = req.method + " " + req.target + " " + req.body;
    w->respond(std::move(r));
  });
  auto c = client_for_server();
  auto r = fetch(*c, get("/api/v1/things?x=1"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "GET /api/v1/things?x=1 ");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-seen-host"), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(r->header("x-seen-agent"), "vcdlb");
  EXPECT_EQ(r->header("x-seen-length"), "-");
  request post;
  post.method = "POST";
  post.target = "/things";
  post.fields = {{"Content-Type", "application/json"}};
  post.body = std::string(100'000, 'x');
  r = fetch(*c, post);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 201u);
  EXPECT_EQ(r->body, "POST /things " + post.body);
  EXPECT_EQ(r->header("x-seen-length"), "100000");
  post.body.clear();
  r = fetch(*c, post);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("x-seen-length"), "0");
}

TEST_P(http_round_trip, keep_alive_reuses_one_connection) {
  server_options sopts;
  sopts.tls = GetParam();
  start_server(sopts);
  auto c = client_for_server();
  for (int i = 0; i < 5; ++i) {
    auto r = fetch(*c, get("/n/" + std::to_string(i)));
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->body, "GET /n/" + std::to_string(i) + " ");
  }
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

INSTANTIATE_TEST_SUITE_P(plain_and_tls, http_round_trip, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "https" : "http"; });

using http_client = http_test;

server_options plain() {
  server_options o;
  o.tls = false;
  return o;
}

TEST_F(http_client, base_url_path_prefixes_targets) {
  start_server(plain());
  client_options opts;
  opts.base_url = server_->url() + "/cloudapi/";
  opts.proxy_from_environment = false;
  auto c = make_client(opts);
  auto r = fetch(*c, get("/1.0.0/edgeGateways"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET /cloudapi/1.0.0/edgeGateways ");
}

TEST_F(http_client, pool_limit_queues_requests) {
  start_server(plain());
  std::mutex m;
  std::vector<std::shared_ptr<response_writer>> held;
  std::condition_variable cv;
  size_t max_seen = 0;
  set_handler([&](request, std::shared_ptr<response_writer> w) {
    std::lock_guard lock{m};
    held.push_back(std::move(w));
    max_seen = std::max(max_seen, held.size());
    cv.notify_all();
  });
  client_options opts;
  opts.max_connections = 2;
  auto c = client_for_server(opts);
  std::vector<std::future<caf::expected<response>>> results;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<std::promise<caf::expected<response>>>();
    results.push_back(p->get_future());
    c->async_request(get("/q"), [p](caf::expected<response> r) { p->set_value(std::move(r)); });
  }
  size_t answered = 0;
  while (answered < 5) {
    std::vector<std::shared_ptr<response_writer>> batch;
    {
      std::unique_lock lock{m};
      ASSERT_TRUE(cv.wait_for(lock, bound, [&] { return !held.empty(); }));
      // Give queued requests a chance to (wrongly) reach the server before answering.
      cv.wait_for(lock, 50ms, [&] { return held.size() > 2; });
      EXPECT_LE(held.size(), 2u);
      batch.swap(held);
    }
    for (auto& w : batch)
      w->respond(response{200, {}, "ok"});
    answered += batch.size();
  }
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(bound), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(max_seen, 2u);
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(http_client, request_timeout_against_a_silent_server) {
  start_server();
  std::vector<std::shared_ptr<response_writer>> never_answered;
  std::mutex m;
  set_handler([&](request, std::shared_ptr<response_writer> w) {
    std::lock_guard lock{m};
    never_answered.push_back(std::move(w));
  });
  auto c = client_for_server();
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(*c, get("/slow"), 200ms);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::timeout)) << describe(r.error());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // The client still works afterwards (on a new connection).
  set_handler([](request, std::shared_ptr<response_writer> w) { w->respond({200, {}, "late"}); });
  auto ok = fetch(*c, get("/fast"));
  ASSERT_TRUE(ok) << describe(ok.error());
}

TEST_F(http_client, request_waiting_for_a_connection_times_out_in_the_queue) {
  start_server(plain());
  std::promise<std::shared_ptr<response_writer>> first;
  std::atomic<int> calls{0};
  set_handler([&](request, std::shared_ptr<response_writer> w) {
    if (calls++ == 0)
      first.set_value(std::move(w));
    else
      w->respond({200, {}, "second"});
  });
  client_options opts;
  opts.max_connections = 1;
  auto c = client_for_server(opts);
  auto held = std::make_shared<std::promise<caf::expected<response>>>();
  auto held_result = held->get_future();
  c->async_request(get("/held"),
                   [held](caf::expected<response> r) { held->set_value(std::move(r)); });
  auto w = first.get_future();
  ASSERT_EQ(w.wait_for(bound), std::future_status::ready);
  auto writer = w.get();
  // The only connection is busy: this one waits in the queue until its deadline.
  auto r = fetch(*c, get("/queued"), 100ms);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::timeout)) << describe(r.error());
  writer->respond({200, {}, "first"});
  ASSERT_EQ(held_result.wait_for(bound), std::future_status::ready);
  auto first_result = held_result.get();
  ASSERT_TRUE(first_result);
  EXPECT_EQ(first_result->body, "first");
  auto next = fetch(*c, get("/next"));
  ASSERT_TRUE(next) << describe(next.error());
  EXPECT_EQ(next->body, "second");
  EXPECT_EQ(calls.load(), 2); // the timed-out request never reached the server
}

TEST_F(http_client, connect_refused_is_connect_failed) {
  uint16_t port = 0;
  {
    boost::asio::ip::tcp::acceptor probe{io(), {boost::asio::ip::make_address("127.0.0.1"), 0}};
    port = probe.local_endpoint().port();
  }
  client_options opts;
  opts.base_url = "http://127.0.0.1:" + std::to_string(port);
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::connect_failed)) << describe(r.error());
}

TEST_F(http_client, bad_base_url_fails_at_make) {
  client_options opts;
  opts.base_url = "vcd.example.com";
  auto c = client::make(io(), opts);
  ASSERT_FALSE(c);
  EXPECT_TRUE(has_code(c.error(), net_errc::protocol_error));
}

TEST_F(http_client, request_body_over_server_limit_gets_413) {
  server_options sopts;
  sopts.max_request_bytes = 1000;
  start_server(sopts);
  auto c = client_for_server();
  request post;
  post.method = "POST";
  post.target = "/big";
  post.body = std::string(2'000'000, 'b');
  auto r = fetch(*c, post);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 413u);
  post.body = std::string(1000, 'b');
  r = fetch(*c, post);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
}

TEST_F(http_client, response_body_over_client_limit_is_body_too_large) {
  start_server();
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->respond({200, {}, std::string(5000, 'r')});
  });
  client_options opts;
  opts.max_response_bytes = 1000;
  auto c = client_for_server(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::body_too_large)) << describe(r.error());
}

TEST_F(http_client, idempotent_request_is_retried_once_on_a_stale_connection) {
  start_server();
  auto c = client_for_server();
  ASSERT_TRUE(fetch(*c, get("/warm")));
  // The next request on the kept-alive connection is dropped without an answer, as when the
  // server closes an idle connection just as the client reuses it.
  std::atomic<int> drops{1};
  set_handler([&](request req, std::shared_ptr<response_writer> w) {
    if (drops-- > 0)
      return w->abort();
    w->respond({200, {}, "fresh " + req.method});
  });
  auto r = fetch(*c, get("/again"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->body, "fresh GET");
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(http_client, post_is_not_retried) {
  start_server();
  auto c = client_for_server();
  ASSERT_TRUE(fetch(*c, get("/warm")));
  set_handler([](request, std::shared_ptr<response_writer> w) { w->abort(); });
  request post;
  post.method = "POST";
  post.target = "/create";
  post.body = "{}";
  auto r = fetch(*c, post);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::connection_closed)) << describe(r.error());
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(http_client, retry_happens_only_once) {
  start_server();
  auto c = client_for_server();
  ASSERT_TRUE(fetch(*c, get("/warm")));
  set_handler([](request, std::shared_ptr<response_writer> w) { w->abort(); });
  auto r = fetch(*c, get("/always-dropped"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::connection_closed)) << describe(r.error());
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(http_client, connection_closed_by_server_while_idle_is_replaced) {
  server_options sopts;
  sopts.idle_timeout = 100ms;
  start_server(sopts);
  auto c = client_for_server();
  ASSERT_TRUE(fetch(*c, get("/one")));
  ASSERT_TRUE(eventually([&] { return server_->open_connections() == 0; }));
  auto r = fetch(*c, get("/two"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(http_client, head_has_length_but_no_body) {
  start_server();
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->respond({200, {}, "twelve bytes"});
  });
  auto c = client_for_server();
  request head;
  head.method = "HEAD";
  head.target = "/";
  auto r = fetch(*c, head);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->header("content-length"), "12");
  EXPECT_EQ(r->body, "");
  // The connection stays usable: no stray body bytes were sent.
  auto g = fetch(*c, get("/"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->body, "twelve bytes");
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(http_client, connection_close_header_is_honoured) {
  start_server();
  auto c = client_for_server();
  request req = get("/bye");
  req.fields = {{"Connection", "close"}};
  auto r = fetch(*c, req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  ASSERT_TRUE(fetch(*c, get("/again")));
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(http_client, shutdown_fails_running_and_queued_requests_with_cancelled) {
  start_server();
  std::mutex m;
  std::vector<std::shared_ptr<response_writer>> held;
  set_handler([&](request, std::shared_ptr<response_writer> w) {
    std::lock_guard lock{m};
    held.push_back(std::move(w));
  });
  client_options opts;
  opts.max_connections = 1;
  auto c = client_for_server(opts);
  std::vector<std::future<caf::expected<response>>> results;
  for (int i = 0; i < 3; ++i) {
    auto p = std::make_shared<std::promise<caf::expected<response>>>();
    results.push_back(p->get_future());
    c->async_request(get("/held"), [p](caf::expected<response> r) { p->set_value(std::move(r)); });
  }
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{m};
    return held.size() == 1;
  }));
  c->shutdown();
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(bound), std::future_status::ready);
    auto r = f.get();
    ASSERT_FALSE(r);
    EXPECT_TRUE(has_code(r.error(), net_errc::cancelled)) << describe(r.error());
  }
  auto after = fetch(*c, get("/"));
  ASSERT_FALSE(after);
  EXPECT_TRUE(has_code(after.error(), net_errc::cancelled));
}

TEST_F(http_client, asynchronous_answer_from_another_thread) {
  start_server();
  std::thread answerer;
  std::promise<std::pair<request, std::shared_ptr<response_writer>>> handed_over;
  set_handler([&](request req, std::shared_ptr<response_writer> w) {
    handed_over.set_value({std::move(req), std::move(w)});
  });
  answerer = std::thread{[&] {
    auto f = handed_over.get_future();
    if (f.wait_for(bound) != std::future_status::ready)
      return;
    auto [req, w] = f.get();
    w->respond({202, {}, "later " + req.target});
  }};
  auto c = client_for_server();
  auto r = fetch(*c, get("/x"));
  answerer.join();
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 202u);
  EXPECT_EQ(r->body, "later /x");
}

} // namespace
