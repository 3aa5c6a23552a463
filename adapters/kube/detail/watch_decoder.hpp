#pragma once

/// @file adapters/kube/detail/watch_decoder.hpp
/// @brief Incremental decoder of a watch response body: bytes arrive in arbitrary pieces, events
/// are newline-delimited JSON documents (kubernetes-api.md 1.4).
///
/// A pure class (no I/O, no threads): feed it what the socket delivered and it hands every
/// complete line to a sink as `caf::expected<watch_event<T>>`. Not thread-safe; one per stream.

#include <cstddef>
#include <string>
#include <string_view>

#include "adapters/kube/client.hpp"
#include "adapters/kube/detail/decode.hpp"
#include "protocol/errors.hpp"

namespace vcdlb::kube::detail {

template <class T>
class watch_decoder {
public:
  /// Lines longer than `max_line_bytes` become one bad_response error and are skipped.
  explicit watch_decoder(size_t max_line_bytes = size_t{16} << 20)
    : max_line_bytes_(max_line_bytes) {}

  /// Consumes `bytes`; calls `sink(caf::expected<watch_event<T>>)` once per complete line.
  /// Blank lines (and a '\r' before '\n') are ignored.
  template <class Sink>
  void feed(std::string_view bytes, Sink&& sink) {
    while (!bytes.empty()) {
      auto nl = bytes.find('\n');
      auto piece = bytes.substr(0, nl);
      if (!skipping_) {
        if (buffer_.size() + piece.size() > max_line_bytes_) {
          buffer_.clear();
          skipping_ = true;
          sink(caf::expected<watch_event<T>>{caf::make_error(
            kube_errc::bad_response, std::string{"watch event line exceeds the size limit"})});
        } else {
          buffer_.append(piece);
        }
      }
      if (nl == std::string_view::npos)
        return;
      if (!skipping_)
        emit_line(sink);
      skipping_ = false;
      buffer_.clear();
      bytes.remove_prefix(nl + 1);
    }
  }

  /// At the end of the stream: decodes a last line that lacked its '\n' (Go servers always
  /// send it, but a lenient reader costs nothing).
  template <class Sink>
  void finish(Sink&& sink) {
    if (!skipping_)
      emit_line(sink);
    skipping_ = false;
    buffer_.clear();
  }

  /// Bytes of the incomplete line held back.
  [[nodiscard]] size_t buffered() const noexcept { return buffer_.size(); }

private:
  template <class Sink>
  void emit_line(Sink& sink) {
    std::string_view line = buffer_;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
      line.remove_prefix(1);
    if (line.empty())
      return;
    sink(decode_watch_line<T>(line));
  }

  size_t max_line_bytes_;
  std::string buffer_;
  bool skipping_ = false;
};

} // namespace vcdlb::kube::detail
