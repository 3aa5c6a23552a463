// Fuzzes the small value parsers of the configuration (durations, IPv4 addresses and CIDRs,
// HOST:PORT) and checks their round trips: what they accept prints back to something they parse
// to the same value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/duration.hpp"
#include "config/host_port.hpp"
#include "config/ipv4.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  auto text = fuzz::as_text(data, size);

  if (auto d = config::parse_duration(text)) {
    auto printed = config::format_duration(*d);
    auto back = config::parse_duration(printed);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(*back == *d);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    auto back_ms = config::parse_duration(config::format_duration_ms(ms));
    FUZZ_CHECK(back_ms.has_value());
    FUZZ_CHECK(*back_ms == ms);
  }

  if (auto a = config::parse_ipv4(text)) {
    // Strict dotted quads have exactly one spelling.
    FUZZ_CHECK(config::to_string(*a) == text);
  }

  if (auto c = config::parse_ipv4_cidr(text)) {
    FUZZ_CHECK(c->prefix >= 0 && c->prefix <= 32);
    FUZZ_CHECK(c->network() <= c->address && c->address <= c->broadcast());
    FUZZ_CHECK(c->contains(c->address) && c->contains(c->network()) && c->contains(c->broadcast()));
    auto again =
      config::parse_ipv4_cidr(config::to_string(c->address) + "/" + std::to_string(c->prefix));
    FUZZ_CHECK(again.has_value() && *again == *c);
  }

  if (auto hp = config::parse_host_port(text)) {
    FUZZ_CHECK(hp->port >= 1);
    bool ipv6 = hp->host.find(':') != std::string::npos;
    auto printed = (ipv6 ? "[" + hp->host + "]" : hp->host) + ":" + std::to_string(hp->port);
    auto again = config::parse_host_port(printed);
    FUZZ_CHECK(again.has_value() && *again == *hp);
  }
  return 0;
}
