// The server seen from a raw TCP socket: framing details that the project's client never sends.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
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

class http_server : public http_test {
protected:
  void SetUp() override {
    server_options opts;
    opts.tls = false;
    opts.max_request_bytes = 1000;
    opts.idle_timeout = 2s;
    start_server(opts);
  }

  // Sends `text` on a fresh connection and reads until the server closes it or `until` has
  // been seen `count` times.
  std::string exchange(const std::string& text, const std::string& until = "", int count = 1) {
    asio::io_context ctx;
    tcp::socket s{ctx};
    boost::system::error_code ec;
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()}, ec);
    if (ec)
      return "connect: " + ec.message();
    asio::write(s, asio::buffer(text), ec);
    std::string got;
    char buf[4096];
    for (;;) {
      if (!until.empty()) {
        int seen = 0;
        for (auto pos = got.find(until); pos != std::string::npos; pos = got.find(until, pos + 1))
          ++seen;
        if (seen >= count)
          break;
      }
      auto n = s.read_some(asio::buffer(buf), ec);
      if (ec)
        break;
      got.append(buf, n);
    }
    return got;
  }
};

TEST_F(http_server, malformed_request_gets_400_and_close) {
  auto got = exchange("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

TEST_F(http_server, chunked_request_body_over_the_limit_gets_413) {
  std::string chunk(1500, 'c');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  auto got = exchange("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + std::string{size} + "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << got;
}

TEST_F(http_server, declared_length_over_the_limit_is_rejected_before_the_body) {
  // Nothing of the body is sent: the answer must come from the head alone.
  auto got = exchange("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 413", 0), 0u) << got;
}

TEST_F(http_server, expect_100_continue_gets_the_interim_answer) {
  auto got =
    exchange("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
             "100 Continue\r\n\r\n");
  EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST_F(http_server, pipelined_requests_are_answered_in_order) {
  std::mutex m;
  std::vector<std::thread> answerers;
  set_handler([&](request req, std::shared_ptr<response_writer> w) {
    std::lock_guard lock{m};
    // The first answer is the slowest, so out-of-order handling would show.
    answerers.emplace_back([req = std::move(req), w, delay = answerers.empty() ? 50ms : 0ms] {
      std::this_thread::sleep_for(delay);
      w->respond({200, {}, req.target});
    });
  });
  auto got = exchange("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  auto a = got.find("\r\n\r\n/a");
  auto b = got.find("\r\n\r\n/b");
  auto c = got.find("\r\n\r\n/c");
  ASSERT_NE(a, std::string::npos) << got;
  ASSERT_NE(b, std::string::npos) << got;
  ASSERT_NE(c, std::string::npos) << got;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  std::lock_guard lock{m};
  for (auto& t : answerers)
    t.join();
}

TEST_F(http_server, http10_stream_is_closed_delimited) {
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->start_stream(200, {});
    w->write("abc");
    w->write("def");
    w->finish();
  });
  auto got = exchange("GET /s HTTP/1.0\r\n\r\n");
  EXPECT_EQ(got.find("Transfer-Encoding"), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 6), "abcdef");
}

TEST_F(http_server, chunked_stream_wire_format) {
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->start_stream(200, {{"Content-Type", "application/json"}});
    w->write("{\"a\":1}\n");
    w->write(""); // nothing, and in particular not the terminating chunk
    w->write(std::string(300, 'x'));
    w->finish();
  });
  auto got = exchange("GET /s HTTP/1.1\r\nHost: h\r\n\r\n", "0\r\n\r\n");
  EXPECT_NE(got.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << got;
  auto body = got.substr(got.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "8\r\n{\"a\":1}\n\r\n12c\r\n" + std::string(300, 'x') + "\r\n0\r\n\r\n");
}

TEST_F(http_server, handler_exception_becomes_500) {
  set_handler([](request, std::shared_ptr<response_writer>) { throw std::runtime_error{"boom"}; });
  auto got = exchange("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 500", 0), 0u) << got;
}

TEST_F(http_server, second_answer_to_one_request_is_ignored) {
  set_handler([](request, std::shared_ptr<response_writer> w) {
    w->respond({200, {}, "first"});
    w->respond({500, {}, "second"});
    w->start_stream(200, {});
    EXPECT_FALSE(w->write("x"));
  });
  auto got = exchange("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("second"), std::string::npos) << got;
}

TEST_F(http_server, listen_errors) {
  server_options bad;
  bad.listen = "127.0.0.1";
  auto s = server::start(io(), bad, [](request, std::shared_ptr<response_writer>) {});
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), net_errc::protocol_error));
  bad.listen = "127.0.0.1:" + std::to_string(server_->port()); // taken
  bad.tls = false;
  s = server::start(io(), bad, [](request, std::shared_ptr<response_writer>) {});
  ASSERT_FALSE(s);
  EXPECT_TRUE(has_code(s.error(), net_errc::connect_failed)) << describe(s.error());
}

TEST_F(http_server, ipv6_loopback_listener) {
  server_options opts;
  opts.listen = "[::1]:0";
  auto s = server::start(io(), opts, [](request, std::shared_ptr<response_writer> w) {
    w->respond({200, {}, "v6"});
  });
  if (!s)
    GTEST_SKIP() << "no IPv6 loopback: " << describe(s.error());
  EXPECT_EQ((*s)->url().rfind("https://[::1]:", 0), 0u) << (*s)->url();
  client_options copts;
  copts.base_url = (*s)->url();
  copts.tls.ca_pem = (*s)->ca_pem();
  auto c = make_client(copts);
  auto r = fetch(*c, get("/"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->body, "v6");
  (*s)->stop();
}

} // namespace
