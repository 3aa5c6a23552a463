// The client against a scripted raw TCP server: response framings and failures that the
// project's own server never produces.

#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts one connection, reads one request head, writes `reply`, then closes (or, with
// `hold`, waits until the client closes).
class scripted_server {
public:
  explicit scripted_server(std::string reply, bool hold = false)
    : acceptor_(ctx_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread{[this, reply = std::move(reply), hold] {
      tcp::socket s{ctx_};
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec)
        return;
      std::string in;
      asio::read_until(s, asio::dynamic_buffer(in), "\r\n\r\n", ec);
      request_head_ = in;
      asio::write(s, asio::buffer(reply), ec);
      if (hold) {
        char c;
        s.read_some(asio::buffer(&c, 1), ec); // until the client closes
      }
    }};
  }
  ~scripted_server() { join(); }

  void join() {
    if (thread_.joinable())
      thread_.join();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  // Waits until the server is done (the client must let go of the connection first).
  std::string request_head() {
    join();
    return request_head_;
  }

private:
  asio::io_context ctx_;
  tcp::acceptor acceptor_;
  std::string request_head_;
  std::thread thread_;
};

class http_client_raw : public http_test {
protected:
  std::shared_ptr<client> client_to(const std::string& url) {
    client_options opts;
    opts.base_url = url;
    opts.proxy_from_environment = false;
    return make_client(opts);
  }
};

TEST_F(http_client_raw, interim_100_continue_is_skipped) {
  scripted_server srv{
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  auto r = fetch(*client_to(srv.url()), get("/"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "ok");
}

TEST_F(http_client_raw, body_until_close_without_length) {
  scripted_server srv{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"};
  auto r = fetch(*client_to(srv.url()), get("/"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->body, "all of it");
}

TEST_F(http_client_raw, chunked_response_with_trailer) {
  scripted_server srv{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n",
                      true};
  auto r = fetch(*client_to(srv.url()), get("/"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->body, "abcdefg");
}

TEST_F(http_client_raw, truncated_body_is_connection_closed) {
  scripted_server srv{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"};
  auto r = fetch(*client_to(srv.url()), get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::connection_closed)) << describe(r.error());
}

TEST_F(http_client_raw, garbage_is_protocol_error) {
  scripted_server srv{"SSH-2.0-OpenSSH_9.2\r\n\r\n"};
  auto r = fetch(*client_to(srv.url()), get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::protocol_error)) << describe(r.error());
}

TEST_F(http_client_raw, request_head_carries_host_agent_and_user_fields) {
  scripted_server srv{"HTTP/1.1 204 No Content\r\n\r\n", true};
  request req;
  req.method = "PATCH";
  req.target = "/api/v1/x";
  req.fields = {{"Content-Type", "application/merge-patch+json"},
                {"Authorization", "Bearer t"},
                {"Content-Length", "999"}}; // replaced by the real length
  req.body = "{\"a\":1}";
  auto c = client_to(srv.url());
  auto r = fetch(*c, req);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 204u);
  c->shutdown(); // lets the scripted server see the close
  auto head = srv.request_head();
  auto port = srv.url().substr(srv.url().rfind(':') + 1);
  EXPECT_EQ(head.rfind("PATCH /api/v1/x HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Host: 127.0.0.1:" + port + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("User-Agent: vcdlb\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/merge-patch+json\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: 7\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("999"), std::string::npos) << head;
}

TEST_F(http_client_raw, stream_until_close_ends_cleanly) {
  scripted_server srv{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline1\nline2\n"};
  auto c = client_to(srv.url());
  std::promise<std::pair<std::string, caf::error>> done;
  auto data = std::make_shared<std::string>();
  auto h = c->async_stream(
    get("/watch"), [](unsigned, const header_list&) {}, [data](std::string_view d) { *data += d; },
    [data, &done](const caf::error& e) {
      done.set_value({*data, e});
    });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(bound), std::future_status::ready);
  auto [got, err] = f.get();
  EXPECT_FALSE(err) << describe(err);
  EXPECT_EQ(got, "line1\nline2\n");
}

} // namespace
