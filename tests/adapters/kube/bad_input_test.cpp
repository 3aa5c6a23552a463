// Bad API server answers: every decoder of adapters/kube/detail turns truncated bodies, wrong JSON
// types, missing required fields, invalid UTF-8 and oversized input into
// kube_errc::bad_response values, never a crash or an exception; the watch decoder keeps a
// single event's memory bounded.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "adapters/kube/detail/decode.hpp"
#include "adapters/kube/detail/watch_decoder.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube::detail {
namespace {

using decoder = std::function<caf::error(std::string_view)>;

template <class F>
decoder wrap(F f) {
  return [f](std::string_view body) -> caf::error {
    auto r = f(body);
    return r ? caf::error{} : r.error();
  };
}

struct named_decoder {
  const char* name;
  decoder decode;
};

const std::vector<named_decoder>& decoders() {
  static const std::vector<named_decoder> all{
    {"service", wrap(decode_service)},
    {"node", wrap(decode_node)},
    {"endpoint_slice", wrap(decode_endpoint_slice)},
    {"lease", wrap(decode_lease)},
    {"event", wrap(decode_event)},
    {"service_list", wrap(decode_list<service_snapshot>)},
    {"node_list", wrap(decode_list<node_snapshot>)},
    {"endpoint_slice_list", wrap(decode_list<endpoint_slice_snapshot>)},
    {"service_watch", wrap(decode_watch_line<service_snapshot>)},
    {"node_watch", wrap(decode_watch_line<node_snapshot>)},
  };
  return all;
}

const named_decoder& by_name(std::string_view name) {
  for (const auto& d : decoders())
    if (name == d.name)
      return d;
  throw std::logic_error{"no decoder " + std::string{name}};
}

// Valid bodies shaped like the API server's (no trailing whitespace, so that every proper
// prefix is an incomplete document).
struct sample {
  const char* decoder;
  std::string body;
};

const std::vector<sample>& samples() {
  static const std::vector<sample> all{
    {"service",
     R"({"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default","uid":"7f0e","resourceVersion":"1204","deletionTimestamp":"2024-05-01T10:00:00Z","finalizers":["service.kubernetes.io/load-balancer-cleanup"],"labels":{"app":"web"},"annotations":{"vcdlb.io/allow-shared-ip":"k"}},"spec":{"type":"LoadBalancer","loadBalancerIP":"192.0.2.7","ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080,"nodePort":31080}]},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}}})"},
    {"node",
     R"({"kind":"Node","metadata":{"name":"n1","uid":"u","resourceVersion":"9","labels":{"a":"b"}},"spec":{"providerID":"vmware://42","unschedulable":true,"taints":[{"key":"k","effect":"NoSchedule"}]},"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.4"}],"conditions":[{"type":"Ready","status":"True"}]}})"},
    {"endpoint_slice",
     R"({"kind":"EndpointSlice","addressType":"IPv4","metadata":{"name":"web-abc","namespace":"default","resourceVersion":"5","labels":{"kubernetes.io/service-name":"web"}},"endpoints":[{"addresses":["10.1.0.4"],"conditions":{"ready":false,"terminating":true},"nodeName":"n1"}],"ports":[{"name":"http","protocol":"TCP","port":8080}]})"},
    {"lease",
     R"({"kind":"Lease","metadata":{"name":"vcdlb","namespace":"kube-system","resourceVersion":"77"},"spec":{"holderIdentity":"host-a_1","leaseDurationSeconds":15,"acquireTime":"2024-05-01T10:00:00.000000Z","renewTime":"2024-05-01T10:00:08.123456Z","leaseTransitions":3}})"},
    {"event",
     R"({"kind":"Event","metadata":{"name":"web.17a2","namespace":"default"},"involvedObject":{"kind":"Service","namespace":"default","name":"web","uid":"u1"},"reason":"SyncLoadBalancerFailed","message":"m","type":"Warning","count":4})"},
    {"service_list",
     R"({"kind":"ServiceList","metadata":{"resourceVersion":"10","continue":"tok"},"items":[{"metadata":{"name":"a","namespace":"x","resourceVersion":"3"}}]})"},
    {"node_list",
     R"({"kind":"NodeList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"n","resourceVersion":"3"}}]})"},
    {"endpoint_slice_list",
     R"({"kind":"EndpointSliceList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"e","namespace":"x","resourceVersion":"3"}}]})"},
    {"service_watch",
     R"({"type":"MODIFIED","object":{"kind":"Service","metadata":{"name":"a","namespace":"n","resourceVersion":"5"},"spec":{"ports":[{"port":80,"nodePort":30080}]}}})"},
    {"node_watch", R"({"type":"ADDED","object":{"metadata":{"name":"n1","resourceVersion":"8"}}})"},
  };
  return all;
}

void expect_bad_response(const named_decoder& d, std::string_view body, std::string_view why) {
  auto err = d.decode(body);
  ASSERT_TRUE(err) << d.name << " accepted (" << why << "): " << body;
  EXPECT_TRUE(has_code(err, kube_errc::bad_response))
    << d.name << " (" << why << "): " << describe(err);
  EXPECT_FALSE(describe(err).empty());
}

TEST(kube_bad_input, samples_are_valid) {
  for (const auto& s : samples()) {
    auto err = by_name(s.decoder).decode(s.body);
    EXPECT_FALSE(err) << s.decoder << ": " << describe(err);
  }
}

TEST(kube_bad_input, every_truncation_of_every_body_is_bad_response) {
  for (const auto& s : samples()) {
    const auto& d = by_name(s.decoder);
    for (size_t n = 0; n < s.body.size(); ++n)
      expect_bad_response(d, std::string_view{s.body}.substr(0, n),
                          "truncated to " + std::to_string(n) + " bytes");
  }
}

TEST(kube_bad_input, wrong_json_types_are_bad_response) {
  struct bad_case {
    const char* decoder;
    const char* body;
  };
  const std::vector<bad_case> cases{
    {"service", R"({"metadata":{"name":["web"]}})"},
    {"service", R"({"metadata":{"namespace":7}})"},
    {"service", R"({"metadata":{"resourceVersion":1204}})"},
    {"service", R"({"metadata":{"labels":["app","web"]}})"},
    {"service", R"({"metadata":{"annotations":{"k":1}}})"},
    {"service", R"({"metadata":{"annotations":"k=v"}})"},
    {"service", R"({"metadata":{"finalizers":"service.kubernetes.io/load-balancer-cleanup"}})"},
    {"service", R"({"metadata":{"finalizers":[1]}})"},
    {"service", R"({"metadata":{"deletionTimestamp":12}})"},
    {"service", R"({"spec":{"type":1}})"},
    {"service", R"({"spec":{"loadBalancerIP":{"ip":"1.2.3.4"}}})"},
    {"service", R"({"spec":{"ports":{"port":80}}})"},
    {"service", R"({"spec":{"ports":[80]}})"},
    {"service", R"({"spec":{"ports":[{"port":"80"}]}})"},
    {"service", R"({"spec":{"ports":[{"port":80.5}]}})"},
    {"service", R"({"spec":{"ports":[{"port":true}]}})"},
    {"service", R"({"spec":{"ports":[{"nodePort":"30080"}]}})"},
    {"service", R"({"spec":{"ports":[{"port":2147483648}]}})"},
    {"service", R"({"spec":{"ports":[{"port":-2147483649}]}})"},
    {"service", R"({"spec":{"ports":[{"name":5}]}})"},
    {"service", R"({"spec":{"ports":[{"protocol":["TCP"]}]}})"},
    {"service", R"({"status":{"loadBalancer":{"ingress":{"ip":"1.2.3.4"}}}})"},
    {"service", R"({"status":{"loadBalancer":{"ingress":[{"ip":1}]}}})"},
    {"service", R"({"spec":[]})"},
    {"service", R"({"metadata":"web"})"},
    {"node", R"({"spec":{"unschedulable":"true"}})"},
    {"node", R"({"spec":{"taints":{"key":"k"}}})"},
    {"node", R"({"status":{"addresses":[{"address":10}]}})"},
    {"node", R"({"status":{"addresses":"10.0.0.1"}})"},
    {"endpoint_slice", R"({"endpoints":{"addresses":[]}})"},
    {"endpoint_slice", R"({"endpoints":[{"addresses":"10.1.0.4"}]})"},
    {"endpoint_slice", R"({"endpoints":[{"conditions":{"ready":"yes"}}]})"},
    {"endpoint_slice", R"({"ports":[{"port":"http"}]})"},
    {"lease", R"({"spec":{"holderIdentity":5}})"},
    {"lease", R"({"spec":{"leaseDurationSeconds":"15"}})"},
    {"lease", R"({"spec":{"leaseTransitions":1.5}})"},
    {"event", R"({"count":"4"})"},
    {"event", R"({"involvedObject":"Service/web"})"},
    {"service_list", R"({"items":{"metadata":{}}})"},
    {"service_list", R"({"items":["a"]})"},
    {"service_list", R"({"metadata":{"continue":5}})"},
    {"service_list", R"({"metadata":{"resourceVersion":10}})"},
    {"node_list", R"({"items":[[]]})"},
    {"service_watch", R"({"type":1,"object":{"metadata":{"name":"a","resourceVersion":"1"}}})"},
    {"service_watch", R"({"type":"ADDED","object":"a"})"},
    {"service_watch", R"({"type":"ADDED","object":null})"},
    {"service_watch", R"({"object":5,"type":"ADDED"})"},
    {"node_watch", R"({"type":"ERROR","object":{"code":"410"}})"},
  };
  for (const auto& c : cases)
    expect_bad_response(by_name(c.decoder), c.body, "wrong type");
}

TEST(kube_bad_input, missing_required_fields_are_bad_response) {
  // A watch event must say what happened to which object at which version; a list must be a
  // JSON object. (Optional fields default, as the API server's omitempty demands.)
  for (std::string_view body :
       {R"({})", R"({"type":"ADDED"})",
        R"({"object":{"metadata":{"name":"a","resourceVersion":"1"}}})",
        R"({"type":"ADDED","object":{}})",
        R"({"type":"DELETED","object":{"metadata":{"name":"a"}}})",
        R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":"2"}}})",
        R"({"type":"BOOKMARK","object":{"metadata":{}}})", R"({"type":"ERROR","object":{}})",
        R"({"type":"","object":{"metadata":{"name":"a","resourceVersion":"1"}}})"}) {
    expect_bad_response(by_name("service_watch"), body, "missing field");
    expect_bad_response(by_name("node_watch"), body, "missing field");
  }
}

TEST(kube_bad_input, invalid_utf8_anywhere_is_bad_response) {
  // Invalid UTF-8 (a lone continuation byte, an overlong encoding, a surrogate, a truncated
  // sequence, a code point above U+10FFFF) placed inside a string value of every sample.
  const std::vector<std::string> bad_sequences{"\x80",     "\xC0\xAF",         "\xED\xA0\x80",
                                               "\xE2\x82", "\xF4\x90\x80\x80", "\xFF"};
  for (const auto& s : samples()) {
    const auto& d = by_name(s.decoder);
    // The first string value: after `":"` of the first key that has a string value.
    auto pos = s.body.find(":\"");
    ASSERT_NE(pos, std::string::npos) << s.decoder;
    for (const auto& seq : bad_sequences) {
      auto body = s.body;
      body.insert(pos + 2, seq);
      expect_bad_response(d, body, "invalid UTF-8");
      // Also inside an object key.
      auto in_key = s.body;
      in_key.insert(2, seq);
      expect_bad_response(d, in_key, "invalid UTF-8 in a key");
    }
  }
}

TEST(kube_bad_input, garbage_and_wrong_roots_are_bad_response) {
  const std::vector<std::string> garbage{
    "",
    " ",
    "\n",
    "null",
    "true",
    "0",
    "\"Service\"",
    "[{}]",
    "{}{}",
    "{}]",
    "{\"a\"}",
    "{'a':1}",
    "{\"a\":1,}",
    std::string("\0{}", 3),
    std::string("{\"metadata\":{\"name\":\"a\0b\"}}", 27), // 27 bytes, NUL included
    "<html>502 Bad Gateway</html>",
    "\xEF\xBB\xBF{}", // a byte order mark is not JSON
  };
  // Not listed: a malformed scalar inside a field the decoders skip (`{"a":01}`) is accepted;
  // simdjson's on-demand parser validates structure and UTF-8 but not values it never reads.
  for (const auto& d : decoders())
    for (const auto& g : garbage)
      expect_bad_response(d, g, "garbage");
}

TEST(kube_bad_input, oversized_and_deep_bodies_fail_cleanly_or_decode) {
  // 1000 nested arrays in an ignored field: a depth limit error or a skip, never a stack overflow.
  std::string deep = R"({"metadata":{"name":"a","resourceVersion":"1"},"x":)";
  deep += std::string(100000, '[');
  deep += std::string(100000, ']');
  deep += "}";
  for (const auto& d : decoders()) {
    auto err = d.decode(deep);
    if (err) {
      EXPECT_TRUE(has_code(err, kube_errc::bad_response)) << d.name << ": " << describe(err);
    }
  }
  // A 4 MiB annotation value decodes in full (the HTTP client bounds whole bodies, see
  // tests/adapters/http); an unterminated one is an error.
  std::string big(size_t{4} << 20, 'v');
  auto body =
    R"({"metadata":{"name":"a","resourceVersion":"1","annotations":{"k":")" + big + "\"}}}";
  auto s = decode_service(body);
  ASSERT_TRUE(s) << describe(s.error());
  EXPECT_EQ(s->annotations.at("k").size(), big.size());
  body.resize(body.size() - 4);
  expect_bad_response(by_name("service"), body, "unterminated 4 MiB string");
}

struct counting_sink {
  int errors = 0;
  int events = 0;
  std::string last_error;
  void operator()(caf::expected<watch_event<service_snapshot>> ev) {
    if (ev) {
      ++events;
      return;
    }
    ++errors;
    last_error = describe(ev.error());
  }
};

TEST(kube_bad_input, watch_decoder_bounds_one_event_and_recovers) {
  // 40 MiB without a newline through the default decoder (16 MiB per event): never more than
  // the limit is held, one error is reported, and the next line decodes.
  watch_decoder<service_snapshot> dec;
  counting_sink sink;
  const std::string chunk(size_t{1} << 20, 'x');
  size_t max_buffered = 0;
  for (int i = 0; i < 40; ++i) {
    dec.feed(chunk, std::ref(sink));
    max_buffered = std::max(max_buffered, dec.buffered());
  }
  EXPECT_LE(max_buffered, size_t{16} << 20);
  EXPECT_EQ(dec.buffered(), 0u); // skipping the rest of the oversized line
  EXPECT_EQ(sink.errors, 1);
  EXPECT_NE(sink.last_error.find("size limit"), std::string::npos) << sink.last_error;
  dec.feed("\n", std::ref(sink));
  dec.feed(R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}})"
           "\n",
           std::ref(sink));
  EXPECT_EQ(sink.events, 1);
  EXPECT_EQ(sink.errors, 1);
}

TEST(kube_bad_input, watch_decoder_reports_each_bad_line_and_keeps_going) {
  watch_decoder<service_snapshot> dec;
  counting_sink sink;
  std::string stream;
  for (const auto& s : samples())
    if (std::string_view{s.decoder} == "service_watch") {
      for (size_t n = 1; n < s.body.size(); n += 7)
        stream += s.body.substr(0, n) + "\n"; // truncated events
      stream += s.body + "\n";
    }
  stream += "\xFF\xFE\n{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"\xC0\"}}}\n";
  dec.feed(stream, std::ref(sink));
  dec.finish(std::ref(sink));
  EXPECT_EQ(sink.events, 1);
  EXPECT_GT(sink.errors, 10);
  EXPECT_EQ(dec.buffered(), 0u);
}

} // namespace
} // namespace vcdlb::kube::detail
