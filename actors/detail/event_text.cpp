#include "actors/detail/event_text.hpp"

#include "protocol/errors.hpp"

namespace vcdlb::detail {

namespace {

// A bracketed id: "[ " then one token of hex digits, letters, '-' or ':' then " ]".
bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
         || c == ':' || c == '.' || c == '_';
}

// Length of the bracketed id at the front of `text` (with one trailing space), 0 if none.
size_t id_length(std::string_view text) {
  if (text.size() < 5 || text[0] != '[' || text[1] != ' ')
    return 0;
  size_t i = 2;
  while (i < text.size() && is_id_char(text[i]))
    ++i;
  if (i == 2 || i + 1 >= text.size() || text[i] != ' ' || text[i + 1] != ']')
    return 0;
  i += 2;
  if (i < text.size() && text[i] == ' ')
    ++i;
  return i;
}

} // namespace

std::string strip_request_ids(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '[') {
      if (auto n = id_length(text.substr(i)); n > 0) {
        i += n;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string event_text(const caf::error& err, size_t max) {
  auto text = strip_request_ids(describe(err));
  for (auto& c : text)
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  return bounded_text(text, max);
}

std::string bounded_text(std::string_view in, size_t max) {
  std::string text{in};
  if (text.size() <= max)
    return text;
  static constexpr std::string_view ellipsis = "...";
  if (max <= ellipsis.size())
    return std::string{ellipsis.substr(0, max)};
  size_t cut = max - ellipsis.size();
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut; // never split a UTF-8 sequence
  text.resize(cut);
  text += ellipsis;
  return text;
}

} // namespace vcdlb::detail
