// Fuzzes the FIQL builder (adapters/vcd/fiql.hpp) against the FIQL parser of the VCD simulator:
// a filter built from arbitrary values must parse back to the same clauses (quoting works), and
// its query parameters must decode back to the expression. The raw input is also fed to the
// parser and matched against a small object.
// Input: byte 0 = clause grouping bits, then field '\0' value '\0' field '\0' value ...
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "adapters/http/message.hpp"
#include "adapters/vcd/fiql.hpp"
#include "adapters/vcd/sim/detail/fiql.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using vcdlb::vcd::fiql_term;
using vcdlb::vcd::sim::detail::fiql_node;
using clauses = std::vector<std::vector<fiql_term>>;

// Field names are identifiers in every CloudAPI filter; keep the characters that may occur.
std::string field_name(std::string_view raw) {
  std::string out;
  for (char c : raw)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
        || c == '_')
      out += c;
  return out.empty() ? std::string{"name"} : out;
}

bool append_terms(const fiql_node& n, std::vector<fiql_term>& out) {
  if (n.op == fiql_node::type::equals) {
    out.push_back({n.field, n.value});
    return true;
  }
  if (n.op != fiql_node::type::any_of)
    return false;
  for (const auto& child : n.children)
    if (!append_terms(child, out))
      return false;
  return true;
}

// The conjunctive form of a parsed filter, or nullopt when it has another shape.
std::optional<clauses> to_clauses(const fiql_node& n) {
  clauses out;
  auto add_clause = [&](const fiql_node& c) {
    std::vector<fiql_term> terms;
    if (!append_terms(c, terms))
      return false;
    out.push_back(std::move(terms));
    return true;
  };
  if (n.op == fiql_node::type::all_of) {
    for (const auto& child : n.children)
      if (!add_clause(child))
        return std::nullopt;
  } else if (!add_clause(n)) {
    return std::nullopt;
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vcdlb;
  if (size == 0)
    return 0;
  const uint8_t grouping = data[0];
  auto text = fuzz::as_text(data + 1, size - 1);

  // The parser alone, on the raw text, both ways of reading values.
  auto object = boost::json::parse(R"({"name":"a","id":"urn:x","gatewayRef":{"id":"g"},
                                       "n":1,"b":true,"list":[{"k":"v"}]})");
  for (bool encoded : {false, true})
    if (auto node = vcd::sim::detail::parse_fiql(text, encoded)) {
      std::vector<std::string> fields;
      vcd::sim::detail::fiql_fields(*node, fields);
      (void)vcd::sim::detail::fiql_match(*node, object);
    }

  // Builder -> parser round trip.
  auto parts = fuzz::split_fields(text, 2);
  clauses built;
  std::map<std::string, std::string> first_value;
  for (size_t i = 0; i + 1 < parts.size(); i += 2) {
    fiql_term term{field_name(parts[i]), std::string{parts[i + 1]}};
    first_value.emplace(term.field, term.value);
    bool new_clause = built.empty() || ((grouping >> ((i / 2) % 8)) & 1) != 0;
    if (new_clause)
      built.emplace_back();
    built.back().push_back(std::move(term));
  }
  vcd::fiql filter;
  for (const auto& clause : built) {
    if (clause.size() == 1)
      filter.with(clause[0].field, clause[0].value);
    else
      filter.with_any(clause);
  }
  FUZZ_CHECK(filter.clauses() == built);

  // With distinct fields, an object holding every term's value satisfies the filter, and one
  // missing all of them does not.
  size_t terms = 0;
  for (const auto& clause : built)
    terms += clause.size();
  if (first_value.size() == terms && terms > 0) {
    FUZZ_CHECK(filter.matches([&](std::string_view f) -> std::optional<std::string> {
      auto it = first_value.find(std::string{f});
      if (it == first_value.end())
        return std::nullopt;
      return it->second;
    }));
    FUZZ_CHECK(!filter.matches([](std::string_view) { return std::optional<std::string>{}; }));
  }

  // FIQL cannot spell an empty value (`name==` is rejected by the parser); the builder writes
  // it anyway, so the round trip is only defined for non-empty values.
  for (const auto& clause : built)
    for (const auto& term : clause)
      if (term.value.empty())
        return 0;

  const auto expression = filter.expression();
  const bool encoded = filter.needs_encoding();
  auto parsed = vcd::sim::detail::parse_fiql(expression, encoded);
  FUZZ_CHECK(parsed.has_value());
  auto back = to_clauses(*parsed);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == built);

  auto params = http::parse_query(filter.query_parameters());
  FUZZ_CHECK(params.size() == (encoded ? 2u : 1u));
  FUZZ_CHECK(params[0].first == "filter" && params[0].second == expression);
  if (encoded)
    FUZZ_CHECK(params[1].first == "filterEncoded" && params[1].second == "true");
  return 0;
}
