// Self-signed certificates and certificate verification by the client.

#include "adapters/http/tls.hpp"

#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using namespace vcdlb::http::test;

TEST(http_tls, make_self_signed_produces_pem) {
  auto pair = make_self_signed({"localhost", "sim.example"}, {"127.0.0.1", "::1"});
  ASSERT_TRUE(pair) << describe(pair.error());
  EXPECT_NE(pair->cert_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(pair->key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto bad = make_self_signed({"x"}, {"not-an-ip"});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(has_code(bad.error(), net_errc::tls_failed));
}

using http_tls_verify = http_test;

TEST_F(http_tls_verify, own_certificate_as_ca_verifies) {
  start_server();
  auto c = client_for_server();
  auto r = fetch(*c, get("/hello"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
}

TEST_F(http_tls_verify, another_ca_fails_with_tls_failed) {
  start_server();
  auto other = make_self_signed({"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(other);
  client_options opts;
  opts.base_url = server_->url();
  opts.tls.ca_pem = other->cert_pem;
  opts.proxy_from_environment = false;
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
  EXPECT_NE(error_detail(r.error()).find("certificate verification failed"), std::string::npos)
    << describe(r.error());
}

TEST_F(http_tls_verify, wrong_host_name_fails_with_tls_failed) {
  auto pair = make_self_signed({"sim.example"}, {"10.9.9.9"});
  ASSERT_TRUE(pair);
  server_options sopts;
  sopts.certificate = *pair;
  start_server(sopts);
  auto c = client_for_server();
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
  EXPECT_NE(error_detail(r.error()).find("certificate verification failed"), std::string::npos);
  EXPECT_NE(error_detail(r.error()).find("127.0.0.1"), std::string::npos) << describe(r.error());
  // The same certificate is accepted when the client verifies the name it was issued for.
  client_options opts;
  opts.base_url = server_->url();
  opts.tls.ca_pem = server_->ca_pem();
  opts.tls.server_name = "sim.example";
  opts.proxy_from_environment = false;
  auto named = make_client(opts);
  auto ok = fetch(*named, get("/"));
  ASSERT_TRUE(ok) << describe(ok.error());
}

TEST_F(http_tls_verify, ca_file_is_used_as_trust_store) {
  start_server();
  char path[] = "/tmp/vcdlb-ca-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  auto pem = server_->ca_pem();
  ASSERT_EQ(write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
  close(fd);
  client_options opts;
  opts.base_url = server_->url();
  opts.tls.ca_file = path;
  opts.proxy_from_environment = false;
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  unlink(path);
  ASSERT_TRUE(r) << describe(r.error());
  opts.tls.ca_file = "/nonexistent/ca.pem";
  auto missing = client::make(io(), opts);
  ASSERT_FALSE(missing);
  EXPECT_TRUE(has_code(missing.error(), net_errc::tls_failed));
  EXPECT_NE(error_detail(missing.error()).find("/nonexistent/ca.pem"), std::string::npos);
}

TEST_F(http_tls_verify, system_trust_store_does_not_know_a_self_signed_certificate) {
  start_server();
  client_options opts;
  opts.base_url = server_->url();
  opts.proxy_from_environment = false;
  auto c = make_client(opts); // no ca_pem, no ca_file: the system default paths
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
}

TEST_F(http_tls_verify, verify_false_accepts_an_unknown_certificate) {
  start_server();
  client_options opts;
  opts.base_url = server_->url();
  opts.tls.verify = false;
  opts.proxy_from_environment = false;
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_TRUE(r) << describe(r.error());
}

TEST_F(http_tls_verify, bad_ca_pem_fails_at_make) {
  client_options opts;
  opts.base_url = "https://127.0.0.1:1";
  opts.tls.ca_pem = "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n";
  auto c = client::make(io(), opts);
  ASSERT_FALSE(c);
  EXPECT_TRUE(has_code(c.error(), net_errc::tls_failed));
}

TEST_F(http_tls_verify, mutual_tls_requires_the_client_certificate) {
  auto client_pair = make_self_signed({"vcdlb-client"}, {});
  ASSERT_TRUE(client_pair);
  server_options sopts;
  sopts.client_ca_pem = client_pair->cert_pem;
  start_server(sopts);
  auto with_cert = client_for_server([&] {
    client_options o;
    o.tls.client_cert_pem = client_pair->cert_pem;
    o.tls.client_key_pem = client_pair->key_pem;
    return o;
  }());
  auto r = fetch(*with_cert, get("/"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->status, 200u);
  auto without = client_for_server();
  r = fetch(*without, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
  auto stranger_pair = make_self_signed({"stranger"}, {});
  ASSERT_TRUE(stranger_pair);
  auto stranger = client_for_server([&] {
    client_options o;
    o.tls.client_cert_pem = stranger_pair->cert_pem;
    o.tls.client_key_pem = stranger_pair->key_pem;
    return o;
  }());
  r = fetch(*stranger, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::tls_failed)) << describe(r.error());
}

TEST_F(http_tls_verify, unloadable_client_key_fails_at_make) {
  auto client_pair = make_self_signed({"vcdlb-client"}, {});
  ASSERT_TRUE(client_pair);
  client_options broken;
  broken.base_url = "https://127.0.0.1:1";
  broken.tls.client_cert_pem = client_pair->cert_pem;
  broken.tls.client_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto bad = client::make(io(), broken);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(has_code(bad.error(), net_errc::tls_failed));
  EXPECT_EQ(error_detail(bad.error()).find("AAAA"), std::string::npos);
}

TEST_F(http_tls_verify, handshake_that_never_completes_hits_connect_timeout) {
  // A listener that never accepts: TCP connects (kernel backlog), TLS never answers.
  boost::asio::ip::tcp::acceptor silent{io(), {boost::asio::ip::make_address("127.0.0.1"), 0}};
  client_options opts;
  opts.base_url = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  opts.connect_timeout = 200ms;
  opts.proxy_from_environment = false;
  auto c = make_client(opts);
  auto r = fetch(*c, get("/"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(has_code(r.error(), net_errc::timeout)) << describe(r.error());
  EXPECT_NE(error_detail(r.error()).find("connecting to 127.0.0.1:"), std::string::npos)
    << describe(r.error());
}

} // namespace
