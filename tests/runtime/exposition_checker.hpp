#pragma once

// A strict reader of the Prometheus text format 0.0.4 as vcdlb writes it, for tests: every
// family has `# HELP` then `# TYPE` before its samples, families appear once and sorted by
// name, every sample is `name{labels} value` with valid names and escapes, and histograms
// have ascending `le` buckets that are cumulative and end in `+Inf` == `_count`.

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vcdlb::test {

struct exposition {
  /// Sample values keyed by `name{labels}` exactly as written (labels in written order).
  std::map<std::string, double> samples;
  /// Family name -> type.
  std::map<std::string, std::string> types;
};

namespace detail {

inline bool metric_name_ok(std::string_view n) {
  if (n.empty())
    return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

inline bool label_name_ok(std::string_view n) {
  return metric_name_ok(n) && n.find(':') == std::string_view::npos;
}

inline std::optional<double> parse_value(std::string_view v) {
  if (v == "+Inf")
    return INFINITY;
  if (v == "-Inf")
    return -INFINITY;
  if (v == "NaN")
    return NAN;
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc{} || end != v.data() + v.size())
    return std::nullopt;
  return d;
}

} // namespace detail

/// Parses `text`; on the first violation returns nullopt and puts a message in `error`.
inline std::optional<exposition> check_exposition(std::string_view text, std::string& error) {
  exposition out;
  std::string family;       // current family
  std::string family_type;  // its type
  std::string pending_help; // HELP seen, TYPE not yet
  std::string last_family;
  std::set<std::string> seen_families;
  // Histogram state per label set (without le).
  struct hist_state {
    double last_le = -INFINITY;
    double last_count = 0;
    bool inf_seen = false;
    double inf_count = 0;
  };
  std::map<std::string, hist_state> hist;
  size_t line_no = 0;
  auto fail = [&](std::string msg) {
    error = "line " + std::to_string(line_no) + ": " + msg;
    return std::nullopt;
  };
  if (!text.empty() && text.back() != '\n') {
    error = "exposition does not end with a newline";
    return std::nullopt;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty())
      return fail("empty line");
    if (line.starts_with("# HELP ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      auto name = std::string{rest.substr(0, sp)};
      if (!detail::metric_name_ok(name))
        return fail("bad HELP name " + name);
      if (!pending_help.empty())
        return fail("HELP without TYPE before " + name);
      if (seen_families.count(name))
        return fail("family repeated: " + name);
      if (!last_family.empty() && !(last_family < name))
        return fail("families not sorted: " + last_family + " before " + name);
      // Help text: only \\ and \n escapes.
      auto help = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
      for (size_t i = 0; i < help.size(); ++i) {
        if (help[i] == '\\') {
          if (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n'))
            return fail("bad escape in HELP of " + name);
          ++i;
        }
      }
      pending_help = name;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      auto rest = line.substr(7);
      auto sp = rest.find(' ');
      if (sp == std::string_view::npos)
        return fail("TYPE without type");
      auto name = std::string{rest.substr(0, sp)};
      auto type = std::string{rest.substr(sp + 1)};
      if (name != pending_help)
        return fail("TYPE " + name + " not right after its HELP");
      if (type != "counter" && type != "gauge" && type != "histogram")
        return fail("unknown type " + type);
      pending_help.clear();
      family = name;
      family_type = type;
      last_family = name;
      seen_families.insert(name);
      out.types[name] = type;
      hist.clear();
      continue;
    }
    if (line.starts_with("#"))
      return fail("unexpected comment");
    if (family.empty() || !pending_help.empty())
      return fail("sample before HELP/TYPE");
    // name
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
      ++i;
    std::string name{line.substr(0, i)};
    if (!detail::metric_name_ok(name))
      return fail("bad sample name " + name);
    std::string suffix;
    if (family_type == "histogram") {
      for (std::string s : {"_bucket", "_sum", "_count"})
        if (name == family + s)
          suffix = s;
      if (suffix.empty())
        return fail("sample " + name + " not part of histogram " + family);
    } else if (name != family) {
      return fail("sample " + name + " not part of family " + family);
    }
    // labels
    std::string labels_without_le;
    std::optional<std::string> le;
    std::set<std::string> label_names;
    if (i < line.size() && line[i] == '{') {
      ++i;
      bool first = true;
      while (true) {
        if (i >= line.size())
          return fail("unterminated labels");
        if (line[i] == '}') {
          ++i;
          break;
        }
        if (!first) {
          if (line[i] != ',')
            return fail("expected ','");
          ++i;
        }
        first = false;
        size_t eq = line.find('=', i);
        if (eq == std::string_view::npos)
          return fail("label without '='");
        std::string lname{line.substr(i, eq - i)};
        if (!detail::label_name_ok(lname) || lname.starts_with("__"))
          return fail("bad label name " + lname);
        if (!label_names.insert(lname).second)
          return fail("duplicate label " + lname);
        i = eq + 1;
        if (i >= line.size() || line[i] != '"')
          return fail("label value not quoted");
        ++i;
        std::string value;
        while (true) {
          if (i >= line.size())
            return fail("unterminated label value");
          char c = line[i];
          if (c == '"')
            break;
          if (c == '\\') {
            if (i + 1 >= line.size())
              return fail("dangling backslash");
            char e = line[i + 1];
            if (e == '\\')
              value += '\\';
            else if (e == '"')
              value += '"';
            else if (e == 'n')
              value += '\n';
            else
              return fail("bad escape \\" + std::string(1, e));
            i += 2;
            continue;
          }
          value += c;
          ++i;
        }
        ++i; // closing quote
        if (lname == "le")
          le = value;
        else
          labels_without_le += lname + "=" + value + ";";
      }
    }
    if (i >= line.size() || line[i] != ' ')
      return fail("expected one space before the value");
    auto value_text = line.substr(i + 1);
    auto value = detail::parse_value(value_text);
    if (!value)
      return fail("bad value '" + std::string{value_text} + "'");
    if (family_type == "counter" && !(*value >= 0))
      return fail("negative counter");
    if (suffix == "_bucket") {
      if (!le)
        return fail("bucket without le");
      auto bound = detail::parse_value(*le);
      if (!bound)
        return fail("bad le " + *le);
      auto& h = hist[labels_without_le];
      if (h.inf_seen)
        return fail("bucket after +Inf");
      if (!(*bound > h.last_le))
        return fail("le not ascending");
      if (*value < h.last_count)
        return fail("buckets not cumulative");
      h.last_le = *bound;
      h.last_count = *value;
      if (std::isinf(*bound)) {
        h.inf_seen = true;
        h.inf_count = *value;
      }
    } else if (le) {
      return fail("le label outside a bucket");
    } else if (suffix == "_count") {
      auto it = hist.find(labels_without_le);
      if (it == hist.end() || !it->second.inf_seen)
        return fail("_count without +Inf bucket");
      if (it->second.inf_count != *value)
        return fail("_count differs from the +Inf bucket");
    }
    auto key = std::string{line.substr(0, i)};
    if (!out.samples.emplace(key, *value).second)
      return fail("duplicate sample " + key);
  }
  if (!pending_help.empty()) {
    error = "HELP without TYPE at the end";
    return std::nullopt;
  }
  return out;
}

} // namespace vcdlb::test
