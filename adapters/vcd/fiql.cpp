#include "adapters/vcd/fiql.hpp"

namespace vcdlb::vcd {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.' || c == '_' || c == '~';
}

} // namespace

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

bool fiql_value_needs_encoding(std::string_view value) {
  for (unsigned char c : value) {
    switch (c) {
    case ',':
    case ';':
    case '(':
    case ')':
    case '*':
    case '+':
    case '=':
    case '!':
    case '\'':
    case '"':
    case '%':
    case ' ':
      return true;
    default:
      if (c < 0x20 || c >= 0x7F)
        return true;
    }
  }
  return false;
}

fiql fiql::eq(std::string field, std::string value) {
  fiql f;
  f.with(std::move(field), std::move(value));
  return f;
}

fiql& fiql::with(std::string field, std::string value) {
  clauses_.push_back({fiql_term{std::move(field), std::move(value)}});
  return *this;
}

fiql& fiql::with_any(std::vector<fiql_term> alternatives) {
  if (!alternatives.empty())
    clauses_.push_back(std::move(alternatives));
  return *this;
}

bool fiql::needs_encoding() const {
  for (const auto& clause : clauses_)
    for (const auto& term : clause)
      if (fiql_value_needs_encoding(term.value))
        return true;
  return false;
}

std::string fiql::expression() const {
  const bool encode = needs_encoding();
  std::string out;
  for (size_t i = 0; i < clauses_.size(); ++i) {
    if (i > 0)
      out += ';';
    const auto& clause = clauses_[i];
    const bool grouped = clause.size() > 1;
    if (grouped)
      out += '(';
    for (size_t j = 0; j < clause.size(); ++j) {
      if (j > 0)
        out += ',';
      out += clause[j].field;
      out += "==";
      out += encode ? url_encode(clause[j].value) : clause[j].value;
    }
    if (grouped)
      out += ')';
  }
  return out;
}

std::string fiql::query_parameters() const {
  if (clauses_.empty())
    return {};
  auto out = "filter=" + url_encode(expression());
  if (needs_encoding())
    out += "&filterEncoded=true";
  return out;
}

bool fiql::matches(
  const std::function<std::optional<std::string>(std::string_view)>& field_value) const {
  for (const auto& clause : clauses_) {
    bool any = false;
    for (const auto& term : clause) {
      auto v = field_value(term.field);
      if (v && *v == term.value) {
        any = true;
        break;
      }
    }
    if (!any)
      return false;
  }
  return true;
}

} // namespace vcdlb::vcd
