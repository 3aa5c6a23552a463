// Proxy selection rules (Go's httpproxy semantics).

#include "adapters/http/detail/proxy.hpp"

#include <gtest/gtest.h>

#include "protocol/errors.hpp"

namespace {

using namespace vcdlb;
using namespace vcdlb::http;
using detail::bypass_proxy;
using detail::proxy_settings;
using detail::select_proxy;

url make_url(const char* text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u);
  return *u;
}

TEST(http_proxy, loopback_and_localhost_are_never_proxied) {
  EXPECT_TRUE(bypass_proxy("", "localhost", 80));
  EXPECT_TRUE(bypass_proxy("", "LOCALHOST", 80));
  EXPECT_TRUE(bypass_proxy("", "127.0.0.1", 443));
  EXPECT_TRUE(bypass_proxy("", "127.1.2.3", 443));
  EXPECT_TRUE(bypass_proxy("", "::1", 443));
  EXPECT_FALSE(bypass_proxy("", "10.0.0.1", 443));
  EXPECT_FALSE(bypass_proxy("", "vcd.example.com", 443));
}

TEST(http_proxy, no_proxy_star_matches_everything) {
  EXPECT_TRUE(bypass_proxy("*", "vcd.example.com", 443));
  EXPECT_TRUE(bypass_proxy("foo, *", "10.1.1.1", 443));
}

TEST(http_proxy, no_proxy_domains_match_host_and_subdomains) {
  const char* list = "example.com, .corp.local,*.wild.org";
  EXPECT_TRUE(bypass_proxy(list, "example.com", 443));
  EXPECT_TRUE(bypass_proxy(list, "vcd.example.com", 443));
  EXPECT_TRUE(bypass_proxy(list, "VCD.Example.COM", 443));
  EXPECT_FALSE(bypass_proxy(list, "notexample.com", 443));
  EXPECT_TRUE(bypass_proxy(list, "a.corp.local", 443));
  EXPECT_FALSE(bypass_proxy(list, "corp.local", 443)); // leading dot: subdomains only
  EXPECT_TRUE(bypass_proxy(list, "x.wild.org", 443));
  EXPECT_FALSE(bypass_proxy(list, "wild.org", 443));
}

TEST(http_proxy, no_proxy_entries_with_ports) {
  EXPECT_TRUE(bypass_proxy("example.com:8443", "example.com", 8443));
  EXPECT_FALSE(bypass_proxy("example.com:8443", "example.com", 443));
  EXPECT_TRUE(bypass_proxy("10.0.0.5:443", "10.0.0.5", 443));
  EXPECT_FALSE(bypass_proxy("10.0.0.5:443", "10.0.0.5", 80));
  EXPECT_TRUE(bypass_proxy("[fd00::1]:443", "fd00::1", 443));
}

TEST(http_proxy, no_proxy_exact_ips_and_cidrs) {
  EXPECT_TRUE(bypass_proxy("10.0.0.5", "10.0.0.5", 443));
  EXPECT_FALSE(bypass_proxy("10.0.0.5", "10.0.0.6", 443));
  EXPECT_TRUE(bypass_proxy("192.168.0.0/16", "192.168.44.1", 443));
  EXPECT_FALSE(bypass_proxy("192.168.0.0/16", "192.169.0.1", 443));
  EXPECT_TRUE(bypass_proxy("fd00::/8", "fd12::1", 443));
  EXPECT_FALSE(bypass_proxy("fd00::/8", "fe80::1", 443));
  EXPECT_FALSE(bypass_proxy("10.0.0.0/8", "ten.example.com", 443));
}

TEST(http_proxy, scheme_picks_the_variable) {
  proxy_settings env{"http://hp:3128", "http://sp:8080", ""};
  auto https = select_proxy(env, make_url("https://vcd.example.com"));
  ASSERT_TRUE(https);
  ASSERT_TRUE(*https);
  EXPECT_EQ((*https)->host, "sp");
  EXPECT_EQ((*https)->port, 8080);
  auto http = select_proxy(env, make_url("http://vcd.example.com"));
  ASSERT_TRUE(http && *http);
  EXPECT_EQ((*http)->host, "hp");
  // No fallback from HTTPS_PROXY to HTTP_PROXY.
  proxy_settings only_http{"http://hp:3128", "", ""};
  auto none = select_proxy(only_http, make_url("https://vcd.example.com"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST(http_proxy, no_proxy_and_loopback_bypass_a_set_proxy) {
  proxy_settings env{"", "http://sp:8080", "internal.example"};
  auto r = select_proxy(env, make_url("https://vcd.internal.example"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  r = select_proxy(env, make_url("https://127.0.0.1:6443"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
}

TEST(http_proxy, proxy_url_forms) {
  auto bare = select_proxy({"", "proxy.corp:3128", ""}, make_url("https://x.example"));
  ASSERT_TRUE(bare && *bare);
  EXPECT_EQ((*bare)->host, "proxy.corp");
  EXPECT_EQ((*bare)->port, 3128);
  auto auth =
    select_proxy({"", "http://user:p%40ss@proxy.corp", ""}, make_url("https://x.example"));
  ASSERT_TRUE(auth && *auth);
  EXPECT_EQ((*auth)->port, 80);
  EXPECT_EQ((*auth)->authorization, "Basic dXNlcjpwQHNz"); // base64("user:p@ss")
  auto socks =
    select_proxy({"", "socks5://user:secret@proxy:1080", ""}, make_url("https://x.example"));
  ASSERT_FALSE(socks);
  EXPECT_TRUE(has_code(socks.error(), net_errc::protocol_error));
  EXPECT_EQ(error_detail(socks.error()).find("secret"), std::string::npos);
}

TEST(http_proxy, environment_upper_case_wins) {
  setenv("HTTPS_PROXY", "http://upper:1", 1);
  setenv("https_proxy", "http://lower:2", 1);
  setenv("no_proxy", "a.example", 1);
  unsetenv("NO_PROXY");
  auto env = proxy_settings::from_environment();
  EXPECT_EQ(env.https_proxy, "http://upper:1");
  EXPECT_EQ(env.no_proxy, "a.example");
  unsetenv("HTTPS_PROXY");
  unsetenv("https_proxy");
  unsetenv("no_proxy");
}

} // namespace
