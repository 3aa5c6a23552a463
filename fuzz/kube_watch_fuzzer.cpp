// Fuzzes the incremental watch-stream decoder (adapters/kube/detail/watch_decoder.hpp): the events
// must not depend on where the network split the stream. The input is decoded in one piece and
// again split at a position derived from the first byte (and once byte by byte for short
// inputs), with a generous and a tiny line limit; the event sequences must be identical.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kube/detail/watch_decoder.hpp"
#include "fuzz/fuzz_support.hpp"
#include "protocol/errors.hpp"

namespace {

using namespace vcdlb::kube;

// What one sink call reported, comparable.
struct outcome {
  bool ok = false;
  watch_event_type type = watch_event_type::added;
  service_snapshot object;
  std::string resource_version;
  std::string error;

  friend bool operator==(const outcome&, const outcome&) = default;
};

std::vector<outcome> decode(std::string_view stream, const std::vector<size_t>& cuts,
                            size_t max_line) {
  detail::watch_decoder<service_snapshot> decoder{max_line};
  std::vector<outcome> out;
  auto sink = [&](caf::expected<watch_event<service_snapshot>> ev) {
    outcome o;
    if (ev) {
      o.ok = true;
      o.type = ev->type;
      o.object = ev->object;
      o.resource_version = ev->resource_version;
      o.error = vcdlb::describe(ev->error);
    } else {
      FUZZ_CHECK(vcdlb::has_code(ev.error(), vcdlb::kube_errc::bad_response));
      o.error = vcdlb::describe(ev.error());
    }
    out.push_back(std::move(o));
  };
  size_t pos = 0;
  for (auto cut : cuts) {
    decoder.feed(stream.substr(pos, cut - pos), sink);
    pos = cut;
  }
  decoder.feed(stream.substr(pos), sink);
  FUZZ_CHECK(decoder.buffered() <= max_line);
  decoder.finish(sink);
  FUZZ_CHECK(decoder.buffered() == 0);
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  auto stream = vcdlb::fuzz::as_text(data + 1, size - 1);
  const size_t split = stream.size() * data[0] / 255;
  std::vector<size_t> bytewise;
  if (stream.size() <= 512)
    for (size_t i = 1; i < stream.size(); ++i)
      bytewise.push_back(i);

  for (size_t max_line : {size_t{1} << 20, size_t{1} + data[0] % 64}) {
    auto whole = decode(stream, {}, max_line);
    FUZZ_CHECK(decode(stream, {split}, max_line) == whole);
    if (!bytewise.empty())
      FUZZ_CHECK(decode(stream, bytewise, max_line) == whole);
  }
  return 0;
}
