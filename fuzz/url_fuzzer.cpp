// Fuzzes the URL and query helpers (adapters/http/message.hpp), the NO_PROXY / proxy selection
// rules (adapters/http/detail/proxy.hpp) and the VCD client's header helpers
// (adapters/vcd/detail/http_util.hpp). Round trips: percent_encode -> percent_decode, encoded
// query pairs -> parse_query, an accepted URL printed again -> parse_url.
// Input: fields separated by '\0': url, no_proxy, https_proxy, http_proxy, then key/value pairs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/detail/proxy.hpp"
#include "adapters/http/message.hpp"
#include "adapters/vcd/detail/http_util.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.' || c == '_' || c == '~';
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  auto text = fuzz::as_text(data, size);

  // Whole input: encoding round trip and the shape of the encoding.
  auto encoded = http::percent_encode(text);
  FUZZ_CHECK(http::percent_decode(encoded) == text);
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      FUZZ_CHECK(i + 2 < encoded.size() && is_hex(encoded[i + 1]) && is_hex(encoded[i + 2]));
      i += 2;
    } else {
      FUZZ_CHECK(unreserved(encoded[i]));
    }
  }
  (void)http::percent_decode(text);
  (void)http::parse_query(text);

  auto fields = fuzz::split_fields(text, 4);
  auto url_text = fields[0];

  if (auto u = http::parse_url(url_text)) {
    FUZZ_CHECK(u->scheme == "http" || u->scheme == "https");
    FUZZ_CHECK(u->path.empty() || (u->path.front() == '/' && u->path.back() != '/'));
    bool ipv6 = u->host.find(':') != std::string::npos;
    auto printed = u->scheme + "://" + (ipv6 ? "[" + u->host + "]" : u->host) + ":"
                   + std::to_string(u->port) + u->path;
    auto again = http::parse_url(printed);
    FUZZ_CHECK(static_cast<bool>(again));
    FUZZ_CHECK(again->scheme == u->scheme && again->host == u->host && again->port == u->port
               && again->path == u->path);

    http::detail::proxy_settings settings;
    settings.no_proxy = std::string{fields[1]};
    settings.https_proxy = std::string{fields[2]};
    settings.http_proxy = std::string{fields[3]};
    auto proxy = http::detail::select_proxy(settings, *u);
    if (!proxy)
      FUZZ_CHECK(has_code(proxy.error(), net_errc::protocol_error));
  } else {
    FUZZ_CHECK(has_code(u.error(), net_errc::protocol_error));
  }
  (void)http::detail::bypass_proxy(fields[1], url_text, static_cast<uint16_t>(size));

  // Query pairs from the remaining fields survive encoding and parsing.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string query;
  for (size_t i = 4; i + 1 < fields.size(); i += 2) {
    pairs.emplace_back(std::string{fields[i]}, std::string{fields[i + 1]});
    if (!query.empty())
      query += '&';
    query += http::percent_encode(fields[i]) + "=" + http::percent_encode(fields[i + 1]);
  }
  FUZZ_CHECK(http::parse_query(query) == pairs);

  // Header helpers of the VCD client.
  http::header_list headers{{"Link", std::string{fields[1]}},
                            {"link", std::string{fields[2]}},
                            {"Retry-After", std::string{fields[3]}}};
  (void)vcd::detail::next_page_link(headers);
  auto retry = vcd::detail::retry_after_seconds(headers);
  FUZZ_CHECK(retry >= -1);
  auto base = vcd::detail::base_path_of(url_text);
  auto target = vcd::detail::target_from_url(fields[1], base);
  (void)target;
  auto b64 = vcd::detail::base64_encode(text);
  FUZZ_CHECK(b64.size() == (size + 2) / 3 * 4);
  return 0;
}
