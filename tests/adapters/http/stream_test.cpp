// Chunked streaming (Kubernetes watches): server writer, client stream, cancellation, faults.

#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;

// Collects what a client stream delivers.
struct stream_probe {
  std::mutex m;
  std::condition_variable cv;
  unsigned status = 0;
  header_list fields;
  std::string data;
  int heads = 0;
  int ends = 0;
  caf::error end;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock lock{m};
    return cv.wait_for(lock, bound, pred);
  }

  std::shared_ptr<stream_handle> open(client& c, request req,
                                      std::chrono::milliseconds idle = 0ms) {
    return c.async_stream(
      std::move(req),
      [this](unsigned s, const header_list& f) {
        std::lock_guard lock{m};
        status = s;
        fields = f;
        ++heads;
        cv.notify_all();
      },
      [this](std::string_view d) {
        std::lock_guard lock{m};
        data += d;
        cv.notify_all();
      },
      [this](const caf::error& e) {
        std::lock_guard lock{m};
        end = e;
        ++ends;
        cv.notify_all();
      },
      idle);
  }
};

// The server side of one stream, handed from the handler to the test thread.
// Shared with the server's callbacks, which may run until the io_context stops.
struct server_side : std::enable_shared_from_this<server_side> {
  std::mutex m;
  std::condition_variable cv;
  std::shared_ptr<response_writer> writer;
  request req;
  bool closed = false;

  void accept(request r, std::shared_ptr<response_writer> w) {
    w->on_close([self = shared_from_this()] {
      std::lock_guard lock{self->m};
      self->closed = true;
      self->cv.notify_all();
    });
    std::lock_guard lock{m};
    req = std::move(r);
    writer = std::move(w);
    cv.notify_all();
  }

  std::shared_ptr<response_writer> wait_writer() {
    std::unique_lock lock{m};
    cv.wait_for(lock, bound, [&] { return writer != nullptr; });
    return writer;
  }

  bool wait_closed() {
    std::unique_lock lock{m};
    return cv.wait_for(lock, bound, [&] { return closed; });
  }
};

class http_stream : public http_test, public ::testing::WithParamInterface<bool> {
protected:
  void SetUp() override {
    server_options opts;
    opts.tls = GetParam();
    start_server(opts);
    set_handler([side = side_](request r, std::shared_ptr<response_writer> w) {
      side->accept(std::move(r), std::move(w));
    });
  }

  std::shared_ptr<server_side> side_ = std::make_shared<server_side>();
};

TEST_P(http_stream, chunks_arrive_in_order_then_end) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/api/v1/services?watch=true"));
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  EXPECT_EQ(side_->req.target, "/api/v1/services?watch=true");
  w->start_stream(200, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(probe.wait([&] { return probe.heads == 1; }));
  EXPECT_EQ(probe.status, 200u);
  EXPECT_EQ(find_header(probe.fields, "content-type"), "application/json");
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    std::string event = "{\"type\":\"ADDED\",\"n\":" + std::to_string(i) + "}\n";
    expected += event;
    ASSERT_TRUE(w->write(event));
    // Every event is delivered before the next one is written: data flows as it is produced.
    ASSERT_TRUE(probe.wait([&] { return probe.data == expected; })) << probe.data;
  }
  w->finish();
  EXPECT_FALSE(w->write("late"));
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_FALSE(probe.end) << describe(probe.end);
  EXPECT_EQ(probe.data, expected);
  EXPECT_EQ(probe.heads, 1);
}

TEST_P(http_stream, client_cancel_fires_server_on_close) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  w->start_stream(200, {});
  w->write("one\n");
  ASSERT_TRUE(probe.wait([&] { return probe.data == "one\n"; }));
  handle->cancel();
  handle->cancel(); // idempotent
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::cancelled)) << describe(probe.end);
  EXPECT_TRUE(side_->wait_closed());
  EXPECT_TRUE(eventually([&] { return !w->write("x\n"); }));
  EXPECT_TRUE(w->closed());
}

TEST_P(http_stream, server_abort_ends_client_stream_with_error) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  w->start_stream(200, {});
  w->write("partial\n");
  ASSERT_TRUE(probe.wait([&] { return probe.data == "partial\n"; }));
  w->abort();
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::connection_closed)) << describe(probe.end);
}

TEST_P(http_stream, idle_stream_times_out) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"), 150ms);
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  w->start_stream(200, {});
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::timeout)) << describe(probe.end);
  EXPECT_TRUE(side_->wait_closed());
}

TEST_P(http_stream, missing_head_hits_the_request_timeout) {
  client_options opts;
  opts.request_timeout = 150ms;
  auto c = client_for_server(opts);
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  ASSERT_TRUE(side_->wait_writer()); // the handler got the request but never answers
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::timeout)) << describe(probe.end);
  EXPECT_EQ(probe.heads, 0);
  EXPECT_TRUE(side_->wait_closed());
}

TEST_P(http_stream, server_stop_closes_open_streams) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  w->start_stream(200, {});
  ASSERT_TRUE(probe.wait([&] { return probe.heads == 1; }));
  server_->stop();
  EXPECT_TRUE(side_->wait_closed());
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::connection_closed)) << describe(probe.end);
  EXPECT_TRUE(w->closed());
  server_->stop(); // idempotent
}

TEST_P(http_stream, client_shutdown_cancels_open_streams) {
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  auto w = side_->wait_writer();
  ASSERT_TRUE(w);
  w->start_stream(200, {});
  ASSERT_TRUE(probe.wait([&] { return probe.heads == 1; }));
  c->shutdown();
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::cancelled)) << describe(probe.end);
  EXPECT_TRUE(side_->wait_closed());
}

TEST_P(http_stream, plain_response_on_a_stream_is_delivered_whole) {
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->respond({410, {{"Content-Type", "application/json"}}, "{\"code\":410}"});
  });
  auto c = client_for_server();
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_FALSE(probe.end);
  EXPECT_EQ(probe.status, 410u);
  EXPECT_EQ(probe.data, "{\"code\":410}");
}

TEST_P(http_stream, connect_failure_ends_without_head) {
  uint16_t port = server_->port();
  server_->stop();
  client_options opts;
  opts.base_url =
    std::string{GetParam() ? "https" : "http"} + "://127.0.0.1:" + std::to_string(port);
  opts.tls.ca_pem = server_->ca_pem();
  auto c = make_client(opts);
  stream_probe probe;
  auto handle = probe.open(*c, get("/watch"));
  ASSERT_TRUE(probe.wait([&] { return probe.ends == 1; }));
  EXPECT_TRUE(has_code(probe.end, net_errc::connect_failed)) << describe(probe.end);
  EXPECT_EQ(probe.heads, 0);
}

INSTANTIATE_TEST_SUITE_P(plain_and_tls, http_stream, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "https" : "http"; });

} // namespace
