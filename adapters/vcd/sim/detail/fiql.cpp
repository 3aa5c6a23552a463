#include "adapters/vcd/sim/detail/fiql.hpp"

#include <boost/json.hpp>

#include "adapters/vcd/sim/detail/text.hpp"

namespace vcdlb::vcd::sim::detail {

namespace json = boost::json;

namespace {

// Recursive descent over: expr := and (',' and)* ; and := atom (';' atom)* ;
// atom := '(' expr ')' | selector op value.
class parser {
public:
  parser(std::string_view text, bool encoded) : text_(text), encoded_(encoded) {}

  std::optional<fiql_node> run() {
    auto n = expr(0);
    if (!n || pos_ != text_.size())
      return std::nullopt;
    return n;
  }

private:
  std::optional<fiql_node> expr(int depth) {
    if (depth > 32)
      return std::nullopt;
    fiql_node any{fiql_node::type::any_of, {}, {}, {}};
    for (;;) {
      auto a = conj(depth);
      if (!a)
        return std::nullopt;
      any.children.push_back(std::move(*a));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      break;
    }
    if (any.children.size() == 1)
      return std::move(any.children.front());
    return any;
  }

  std::optional<fiql_node> conj(int depth) {
    fiql_node all{fiql_node::type::all_of, {}, {}, {}};
    for (;;) {
      auto a = atom(depth);
      if (!a)
        return std::nullopt;
      all.children.push_back(std::move(*a));
      if (pos_ < text_.size() && text_[pos_] == ';') {
        ++pos_;
        continue;
      }
      break;
    }
    if (all.children.size() == 1)
      return std::move(all.children.front());
    return all;
  }

  std::optional<fiql_node> atom(int depth) {
    if (pos_ < text_.size() && text_[pos_] == '(') {
      ++pos_;
      auto e = expr(depth + 1);
      if (!e || pos_ >= text_.size() || text_[pos_] != ')')
        return std::nullopt;
      ++pos_;
      return e;
    }
    auto start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '=' && text_[pos_] != '!'
           && !is_delim(text_[pos_]))
      ++pos_;
    if (pos_ == start || pos_ + 1 >= text_.size())
      return std::nullopt;
    fiql_node n;
    n.field = std::string{text_.substr(start, pos_ - start)};
    if (text_.compare(pos_, 2, "==") == 0)
      n.op = fiql_node::type::equals;
    else if (text_.compare(pos_, 2, "!=") == 0)
      n.op = fiql_node::type::not_equals;
    else
      return std::nullopt; // =lt= and friends: not supported by the endpoints we model
    pos_ += 2;
    auto vstart = pos_;
    while (pos_ < text_.size() && !is_delim(text_[pos_]))
      ++pos_;
    auto raw = text_.substr(vstart, pos_ - vstart);
    if (raw.empty())
      return std::nullopt;
    n.value = encoded_ ? url_decode(raw, false) : std::string{raw};
    return n;
  }

  static bool is_delim(char c) { return c == ';' || c == ',' || c == '(' || c == ')'; }

  std::string_view text_;
  bool encoded_;
  size_t pos_ = 0;
};

std::string scalar_text(const json::value& v) {
  switch (v.kind()) {
  case json::kind::string:
    return std::string{v.get_string()};
  case json::kind::bool_:
    return v.get_bool() ? "true" : "false";
  case json::kind::int64:
    return std::to_string(v.get_int64());
  case json::kind::uint64:
    return std::to_string(v.get_uint64());
  case json::kind::double_:
    return json::serialize(v);
  default:
    return {};
  }
}

// Collects the values at `path`, fanning out over arrays on the way.
void collect(const json::value& v, std::string_view path, std::vector<const json::value*>& out) {
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      collect(e, path, out);
    return;
  }
  if (path.empty()) {
    out.push_back(&v);
    return;
  }
  if (!v.is_object())
    return;
  auto dot = path.find('.');
  auto key = path.substr(0, dot);
  auto rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  auto* child = v.get_object().if_contains(key);
  if (child != nullptr)
    collect(*child, rest, out);
}

} // namespace

std::optional<fiql_node> parse_fiql(std::string_view text, bool encoded) {
  return parser{text, encoded}.run();
}

void fiql_fields(const fiql_node& n, std::vector<std::string>& out) {
  if (n.op == fiql_node::type::all_of || n.op == fiql_node::type::any_of) {
    for (const auto& c : n.children)
      fiql_fields(c, out);
  } else {
    out.push_back(n.field);
  }
}

const json::value* json_path(const json::value& v, std::string_view path) {
  const json::value* cur = &v;
  while (!path.empty()) {
    if (!cur->is_object())
      return nullptr;
    auto dot = path.find('.');
    cur = cur->get_object().if_contains(path.substr(0, dot));
    if (cur == nullptr)
      return nullptr;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return cur;
}

bool fiql_match(const fiql_node& n, const json::value& object, const fiql_special& special) {
  switch (n.op) {
  case fiql_node::type::all_of:
    for (const auto& c : n.children)
      if (!fiql_match(c, object, special))
        return false;
    return true;
  case fiql_node::type::any_of:
    for (const auto& c : n.children)
      if (fiql_match(c, object, special))
        return true;
    return false;
  default:
    break;
  }
  bool eq = false;
  if (!n.field.empty() && n.field.front() == '_') {
    eq = special ? special(n.field, n.value, object) : false;
  } else {
    std::vector<const json::value*> found;
    collect(object, n.field, found);
    for (const auto* v : found)
      eq = eq || scalar_text(*v) == n.value;
  }
  return n.op == fiql_node::type::equals ? eq : !eq;
}

} // namespace vcdlb::vcd::sim::detail
