#include "runtime/detail/json_formatter.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/common.h>
#include <spdlog/details/log_msg.h>

namespace vcdlb::runtime::detail {

namespace {

void append(std::string_view s, spdlog::memory_buf_t& dest) {
  dest.append(s.data(), s.data() + s.size());
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((byte(i + k) >> 6) != 0x2)
      return 0;
  return len;
}

} // namespace

void append_json_escaped(std::string_view text, spdlog::memory_buf_t& dest) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (auto len = utf8_sequence_length(text, i); len > 0) {
        append(text.substr(i, len), dest);
        i += len;
      } else {
        append("\\ufffd", dest);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': append("\\\"", dest); break;
      case '\\': append("\\\\", dest); break;
      case '\n': append("\\n", dest); break;
      case '\r': append("\\r", dest); break;
      case '\t': append("\\t", dest); break;
      default:
        if (c < 0x20)
          fmt::format_to(std::back_inserter(dest), "\\u{:04x}", c);
        else
          dest.push_back(static_cast<char>(c));
    }
    ++i;
  }
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
  fmt::format_to(std::back_inserter(dest), R"({{"ts":"{:%Y-%m-%dT%H:%M:%S}.{:03d}Z","level":")",
                 fmt::gmtime(static_cast<std::time_t>(secs.count())), millis.count());
  const auto level = spdlog::level::to_string_view(msg.level);
  append(std::string_view{level.data(), level.size()}, dest);
  append(R"(","logger":")", dest);
  append_json_escaped(std::string_view{msg.logger_name.data(), msg.logger_name.size()}, dest);
  fmt::format_to(std::back_inserter(dest), R"(","thread":{},"msg":")", msg.thread_id);
  append_json_escaped(std::string_view{msg.payload.data(), msg.payload.size()}, dest);
  append("\"}\n", dest);
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
  return std::make_unique<json_formatter>();
}

} // namespace vcdlb::runtime::detail
