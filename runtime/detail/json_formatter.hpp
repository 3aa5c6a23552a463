#pragma once

#include <memory>

#include <spdlog/formatter.h>

namespace vcdlb::runtime::detail {

/// Formats each record as one JSON object per line, for log collectors.
class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

/// Appends `text` to `dest` as the body of a JSON string (quotes not included), escaping
/// control characters, quotes, backslashes and invalid UTF-8 bytes (as U+FFFD).
void append_json_escaped(std::string_view text, spdlog::memory_buf_t& dest);

} // namespace vcdlb::runtime::detail
