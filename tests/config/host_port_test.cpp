#include "config/host_port.hpp"

#include <gtest/gtest.h>

namespace {

using vcdlb::config::host_port;
using vcdlb::config::parse_host_port;

TEST(host_port, accepts_listen_addresses) {
  EXPECT_EQ(parse_host_port("0.0.0.0:10271"), (host_port{"0.0.0.0", 10271}));
  EXPECT_EQ(parse_host_port(":8080"), (host_port{"", 8080}));
  EXPECT_EQ(parse_host_port("localhost:1"), (host_port{"localhost", 1}));
  EXPECT_EQ(parse_host_port("metrics.kube-system.svc:65535"),
            (host_port{"metrics.kube-system.svc", 65535}));
  EXPECT_EQ(parse_host_port("[::1]:9100"), (host_port{"::1", 9100}));
  EXPECT_EQ(parse_host_port("[::]:9100"), (host_port{"::", 9100}));
}

TEST(host_port, rejects_malformed) {
  for (const char* bad :
       {"", "8080", ":", "host:", ":0", ":65536", ":80a", "::1:80", "[::1]", "[zz]:80", "a b:80",
        "-host:80", "host-:80", "10.0.0.300:80", "host..x:80"})
    EXPECT_FALSE(parse_host_port(bad)) << bad;
}

} // namespace
