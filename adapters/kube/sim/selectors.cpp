#include "adapters/kube/sim/selectors.hpp"

#include <algorithm>

#include <boost/json/value.hpp>

namespace vcdlb::kube::sim {

namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

// Splits on top-level commas (commas inside "( )" belong to a set).
std::vector<std::string_view> split_terms(std::string_view text, bool& balanced) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  balanced = true;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(')
      ++depth;
    else if (text[i] == ')')
      balanced = balanced && --depth >= 0;
    else if (text[i] == ',' && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  balanced = balanced && depth == 0;
  out.push_back(text.substr(start));
  return out;
}

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 316)
    return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'
           || c == '/';
  });
}

bool valid_value(std::string_view v) {
  return v.size() <= 63 && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

api_error bad_selector(std::string_view text, std::string_view why) {
  return bad_request("unable to parse requirement: " + std::string{why} + " in \""
                     + std::string{text} + "\"");
}

result<label_requirement> parse_requirement(std::string_view term) {
  label_requirement req;
  term = trim(term);
  if (term.empty())
    return bad_selector(term, "empty requirement");
  if (term.front() == '!') {
    req.key = std::string{trim(term.substr(1))};
    req.operation = label_requirement::op::not_exists;
    if (!valid_key(req.key))
      return bad_selector(term, "invalid label key");
    return req;
  }
  auto set_op = [&](std::string_view word, label_requirement::op op) -> int {
    // " in (" / " notin (" separated by spaces from the key.
    auto pos = term.find(word);
    if (pos == std::string_view::npos)
      return 0;
    auto key = trim(term.substr(0, pos));
    auto rest = trim(term.substr(pos + word.size()));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')')
      return -1;
    req.key = std::string{key};
    req.operation = op;
    auto inner = rest.substr(1, rest.size() - 2);
    size_t start = 0;
    while (start <= inner.size()) {
      auto comma = inner.find(',', start);
      auto piece =
        trim(inner.substr(start, comma == std::string_view::npos ? inner.npos : comma - start));
      if (!valid_value(piece))
        return -1;
      req.values.emplace_back(piece);
      if (comma == std::string_view::npos)
        break;
      start = comma + 1;
    }
    return 1;
  };
  if (int r = set_op(" notin ", label_requirement::op::not_in); r != 0) {
    if (r < 0 || !valid_key(req.key))
      return bad_selector(term, "invalid set requirement");
    return req;
  }
  if (int r = set_op(" in ", label_requirement::op::in); r != 0) {
    if (r < 0 || !valid_key(req.key))
      return bad_selector(term, "invalid set requirement");
    return req;
  }
  std::string_view key;
  std::string_view value;
  if (auto p = term.find("!="); p != std::string_view::npos) {
    key = term.substr(0, p);
    value = term.substr(p + 2);
    req.operation = label_requirement::op::not_equals;
  } else if (auto p2 = term.find("=="); p2 != std::string_view::npos) {
    key = term.substr(0, p2);
    value = term.substr(p2 + 2);
    req.operation = label_requirement::op::equals;
  } else if (auto p3 = term.find('='); p3 != std::string_view::npos) {
    key = term.substr(0, p3);
    value = term.substr(p3 + 1);
    req.operation = label_requirement::op::equals;
  } else {
    key = term;
    req.operation = label_requirement::op::exists;
  }
  req.key = std::string{trim(key)};
  if (!valid_key(req.key))
    return bad_selector(term, "invalid label key");
  if (req.operation != label_requirement::op::exists) {
    value = trim(value);
    if (!valid_value(value))
      return bad_selector(term, "invalid label value");
    req.values.emplace_back(value);
  }
  return req;
}

const json::value* lookup_path(const json::object& obj, std::string_view dotted) {
  const json::object* cur = &obj;
  while (true) {
    auto dot = dotted.find('.');
    auto part = dotted.substr(0, dot);
    const json::value* v = cur->if_contains(part);
    if (v == nullptr || dot == std::string_view::npos)
      return v;
    cur = v->if_object();
    if (cur == nullptr)
      return nullptr;
    dotted.remove_prefix(dot + 1);
  }
}

std::string field_text(const json::value* v) {
  if (v == nullptr || v->is_null())
    return "";
  if (const auto* s = v->if_string())
    return std::string{*s};
  if (const auto* b = v->if_bool())
    return *b ? "true" : "false";
  if (const auto* i = v->if_int64())
    return std::to_string(*i);
  return "";
}

} // namespace

bool label_selector::matches(const json::object* labels) const {
  for (const auto& req : requirements) {
    const json::value* v = labels != nullptr ? labels->if_contains(req.key) : nullptr;
    const json::string* s = v != nullptr ? v->if_string() : nullptr;
    bool present = s != nullptr;
    auto in_values = [&] {
      return present
             && std::find(req.values.begin(), req.values.end(), std::string_view{*s})
                  != req.values.end();
    };
    bool ok = true;
    switch (req.operation) {
    case label_requirement::op::equals:
    case label_requirement::op::in:
      ok = in_values();
      break;
    case label_requirement::op::not_equals:
    case label_requirement::op::not_in:
      ok = !in_values();
      break;
    case label_requirement::op::exists:
      ok = present;
      break;
    case label_requirement::op::not_exists:
      ok = !present;
      break;
    }
    if (!ok)
      return false;
  }
  return true;
}

result<label_selector> parse_label_selector(std::string_view text) {
  label_selector sel;
  if (trim(text).empty())
    return sel;
  bool balanced = true;
  auto terms = split_terms(text, balanced);
  if (!balanced)
    return bad_selector(text, "unbalanced parentheses");
  for (auto term : terms) {
    auto req = parse_requirement(term);
    if (!req)
      return req.error();
    sel.requirements.push_back(std::move(*req));
  }
  return sel;
}

bool field_selector::matches(const json::object& object) const {
  for (const auto& req : requirements) {
    bool equal = field_text(lookup_path(object, req.field)) == req.value;
    if (equal == req.negated)
      return false;
  }
  return true;
}

result<field_selector> parse_field_selector(std::string_view text,
                                            std::span<const std::string> extra_fields) {
  field_selector sel;
  if (trim(text).empty())
    return sel;
  bool balanced = true;
  for (auto term : split_terms(text, balanced)) {
    term = trim(term);
    field_requirement req;
    std::string_view field;
    std::string_view value;
    if (auto p = term.find("!="); p != std::string_view::npos) {
      field = term.substr(0, p);
      value = term.substr(p + 2);
      req.negated = true;
    } else if (auto p2 = term.find("=="); p2 != std::string_view::npos) {
      field = term.substr(0, p2);
      value = term.substr(p2 + 2);
    } else if (auto p3 = term.find('='); p3 != std::string_view::npos) {
      field = term.substr(0, p3);
      value = term.substr(p3 + 1);
    } else {
      return bad_request("invalid selector: '" + std::string{text} + "'; can't understand '"
                         + std::string{term} + "'");
    }
    req.field = std::string{trim(field)};
    req.value = std::string{trim(value)};
    bool known =
      req.field == "metadata.name" || req.field == "metadata.namespace"
      || std::find(extra_fields.begin(), extra_fields.end(), req.field) != extra_fields.end();
    if (!known)
      return bad_request("field label not supported: " + req.field);
    sel.requirements.push_back(std::move(req));
  }
  return sel;
}

} // namespace vcdlb::kube::sim
