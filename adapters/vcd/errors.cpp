#include "adapters/vcd/errors.hpp"

#include <charconv>

namespace vcdlb::vcd {

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Reads an unsigned number at the front of `text` and removes it.
bool take_number(std::string_view& text, long& out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  if (ec != std::errc{} || ptr == first)
    return false;
  text.remove_prefix(static_cast<size_t>(ptr - first));
  return true;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix)
    return false;
  text.remove_prefix(prefix.size());
  return true;
}

std::string header_of(std::string_view kind, long code, std::string_view minor) {
  std::string out{kind};
  out += ' ';
  out += std::to_string(code);
  out += ' ';
  // Minor codes are single tokens; anything else would break parsing, so it is replaced.
  if (minor.empty()) {
    out += '-';
  } else {
    for (char c : minor)
      out += (c == ' ' || c == ':') ? '_' : c;
  }
  return out;
}

} // namespace

vcd_errc classify_status(unsigned status, std::string_view minor_error_code,
                         std::string_view message, bool addressed_by_id) {
  switch (status) {
  case 400:
    // The message pattern has been stable for a decade and is what older clients match.
    if (minor_error_code == "BUSY_ENTITY" || contains(message, "is busy completing an operation"))
      return vcd_errc::busy_entity;
    if (minor_error_code == "CONFLICT" || minor_error_code == "DUPLICATE_NAME")
      return vcd_errc::conflict;
    return vcd_errc::bad_request;
  case 401:
    return vcd_errc::unauthorized;
  case 403:
    // VCD answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for a URN it does not know.
    return addressed_by_id ? vcd_errc::not_found : vcd_errc::forbidden;
  case 404:
  case 410:
    return vcd_errc::not_found;
  case 409:
    return vcd_errc::conflict;
  case 412:
    return vcd_errc::precondition_failed;
  case 429:
    return vcd_errc::rate_limited;
  case 502:
  case 503:
  case 504:
    return vcd_errc::unavailable;
  default:
    if (status >= 500)
      return vcd_errc::server_error;
    return vcd_errc::bad_request;
  }
}

caf::error make_http_error(unsigned status, std::string_view minor_error_code,
                           std::string_view message, int32_t retry_after_seconds,
                           bool addressed_by_id) {
  auto code = classify_status(status, minor_error_code, message, addressed_by_id);
  auto detail = header_of("HTTP", status, minor_error_code);
  if (retry_after_seconds >= 0)
    detail += " retry-after=" + std::to_string(retry_after_seconds);
  detail += ": ";
  detail += message;
  return caf::make_error(code, std::move(detail));
}

caf::error make_task_error(const task& t) {
  auto code =
    t.error.minor_error_code == "BUSY_ENTITY" ? vcd_errc::busy_entity : vcd_errc::task_failed;
  auto detail = header_of("task", t.error.major_error_code, t.error.minor_error_code);
  detail += ": ";
  if (!t.error.message.empty())
    detail += t.error.message;
  else
    detail += "task " + t.id + " ended with status " + to_string(t.status);
  return caf::make_error(code, std::move(detail));
}

error_info parse_error_info(const caf::error& err) {
  error_info info;
  const auto detail = error_detail(err);
  std::string_view text{detail};
  info.message = detail;
  bool from_task = false;
  if (take_prefix(text, "HTTP "))
    from_task = false;
  else if (take_prefix(text, "task "))
    from_task = true;
  else
    return info;
  long status = 0;
  if (!take_number(text, status) || !take_prefix(text, " "))
    return info;
  auto end = text.find_first_of(" :");
  if (end == std::string_view::npos)
    return info;
  auto minor = text.substr(0, end);
  text.remove_prefix(end);
  long retry_after = -1;
  if (take_prefix(text, " retry-after=") && !take_number(text, retry_after))
    return info;
  if (!take_prefix(text, ": "))
    return info;
  info.http_status = static_cast<unsigned>(status);
  info.minor_error_code = minor == "-" ? std::string{} : std::string{minor};
  info.message = std::string{text};
  info.retry_after_seconds = static_cast<int32_t>(retry_after);
  info.from_task = from_task;
  return info;
}

} // namespace vcdlb::vcd
