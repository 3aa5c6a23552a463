// The client through a forward proxy taken from the environment: CONNECT tunnels for https,
// absolute-form requests for http. The proxy is a tiny blocking one on loopback.

#include <atomic>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "adapters/http/tls.hpp"
#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts connections; answers CONNECT by tunnelling to 127.0.0.1:<port of the target> and
// answers absolute-form requests itself, recording every request line it saw.
class tiny_proxy {
public:
  tiny_proxy() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread{[this] { run(); }};
  }
  ~tiny_proxy() {
    stop_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept with a connection of our own.
    tcp::socket poke{io_};
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
    for (auto& t : workers_)
      t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<std::string> lines() {
    std::lock_guard lock{m_};
    return lines_;
  }

private:
  void run() {
    while (!stop_) {
      auto client = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*client, ec);
      if (ec || stop_)
        return;
      workers_.emplace_back([this, client] { serve(client); });
    }
  }

  void serve(std::shared_ptr<tcp::socket> client) {
    boost::system::error_code ec;
    std::string received;
    auto head_size = asio::read_until(*client, asio::dynamic_buffer(received), "\r\n\r\n", ec);
    if (ec)
      return;
    std::string text = received.substr(0, head_size);
    std::string line = text.substr(0, text.find("\r\n"));
    {
      std::lock_guard lock{m_};
      lines_.push_back(line);
      if (text.find("Proxy-Authorization: Basic dXNlcjpwdw==") != std::string::npos)
        lines_.push_back("auth ok");
    }
    if (line.rfind("CONNECT ", 0) != 0) {
      std::string body = "proxied " + line;
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size())
                          + "\r\nConnection: close\r\n\r\n" + body;
      asio::write(*client, asio::buffer(reply), ec);
      return;
    }
    // "CONNECT sim.test:PORT HTTP/1.1": the name is fake, the port is the real server's.
    auto target = line.substr(8, line.find(' ', 8) - 8);
    auto port = target.substr(target.rfind(':') + 1);
    auto upstream = std::make_shared<tcp::socket>(io_);
    upstream->connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(std::stoi(port))},
                      ec);
    if (ec) {
      asio::write(*client, asio::buffer(std::string{"HTTP/1.1 502 Bad Gateway\r\n\r\n"}), ec);
      return;
    }
    asio::write(*client, asio::buffer(std::string{"HTTP/1.1 200 Connection established\r\n\r\n"}),
                ec);
    // Anything read past the head belongs to the tunnel.
    if (received.size() > text.size())
      return;
    std::thread up{[client, upstream] { pump(*client, *upstream); }};
    pump(*upstream, *client);
    up.join();
  }

  static void pump(tcp::socket& from, tcp::socket& to) {
    char buf[16384];
    boost::system::error_code ec;
    for (;;) {
      auto n = from.read_some(asio::buffer(buf), ec);
      if (ec)
        break;
      asio::write(to, asio::buffer(buf, n), ec);
      if (ec)
        break;
    }
    to.shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::vector<std::string> lines_;
};

// Sets proxy variables for one test and restores a clean environment afterwards.
class scoped_env {
public:
  scoped_env(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {
    for (const char* name :
         {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"})
      unsetenv(name);
    for (auto& [k, v] : vars_)
      setenv(k.c_str(), v.c_str(), 1);
  }
  ~scoped_env() {
    for (auto& [k, v] : vars_)
      unsetenv(k.c_str());
  }

private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

using http_proxy_tunnel = http_test;

TEST_F(http_proxy_tunnel, https_goes_through_a_connect_tunnel) {
  auto pair = make_self_signed({"sim.test"}, {});
  ASSERT_TRUE(pair);
  server_options sopts;
  sopts.certificate = *pair;
  start_server(sopts);
  tiny_proxy proxy;
  scoped_env env{{{"HTTPS_PROXY", "http://user:pw@127.0.0.1:" + std::to_string(proxy.port())}}};
  client_options opts;
  // The name only the proxy "resolves": a direct connection attempt would fail.
  opts.base_url = "https://sim.test:" + std::to_string(server_->port());
  opts.tls.ca_pem = server_->ca_pem();
  auto c = make_client(opts);
  for (int i = 0; i < 3; ++i) {
    auto r = fetch(*c, get("/through"));
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->body, "GET /through ");
  }
  auto lines = proxy.lines();
  ASSERT_EQ(lines.size(), 2u); // one tunnel, kept alive, with credentials
  EXPECT_EQ(lines[0], "CONNECT sim.test:" + std::to_string(server_->port()) + " HTTP/1.1");
  EXPECT_EQ(lines[1], "auth ok");
}

TEST_F(http_proxy_tunnel, http_uses_absolute_form) {
  tiny_proxy proxy;
  scoped_env env{{{"http_proxy", "127.0.0.1:" + std::to_string(proxy.port())}}};
  client_options opts;
  opts.base_url = "http://sim.test:8080/base";
  auto c = make_client(opts);
  auto r = fetch(*c, get("/x?y=1"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->body, "proxied GET http://sim.test:8080/base/x?y=1 HTTP/1.1");
}

TEST_F(http_proxy_tunnel, no_proxy_and_loopback_go_direct) {
  start_server();
  tiny_proxy proxy;
  scoped_env env{{{"HTTPS_PROXY", "http://127.0.0.1:" + std::to_string(proxy.port())},
                  {"NO_PROXY", "example.org"}}};
  auto c = make_client([&] {
    client_options o;
    o.base_url = server_->url(); // 127.0.0.1: never proxied
    o.tls.ca_pem = server_->ca_pem();
    return o;
  }());
  auto r = fetch(*c, get("/direct"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(proxy.lines().empty());
}

TEST_F(http_proxy_tunnel, proxy_refusal_is_connect_failed) {
  tiny_proxy proxy;
  scoped_env env{{{"HTTPS_PROXY", "http://127.0.0.1:" + std::to_string(proxy.port())}}};
  // Port 1 on loopback is closed, so the proxy answers 502.
  client_options opts;
  opts.base_url = "https://sim.test:1";
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::connect_failed)) << describe(r.error());
  EXPECT_NE(error_detail(r.error()).find("502"), std::string::npos) << describe(r.error());
}

} // namespace
