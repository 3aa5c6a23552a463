#include "adapters/vcd/detail/xml.hpp"

#include <charconv>
#include <map>
#include <optional>

#include "protocol/errors.hpp"

namespace vcdlb::vcd::detail {

namespace {

caf::error bad(std::string what) {
  return caf::make_error(vcd_errc::bad_response, std::move(what));
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Whether `cp` may appear in an XML document (XML 1.0 Char): no NUL or other C0 control
// except tab, LF, CR; no surrogates; at most U+10FFFF.
bool xml_char(unsigned long cp) {
  if (cp < 0x20)
    return cp == 0x9 || cp == 0xA || cp == 0xD;
  return (cp < 0xD800 || cp > 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF && cp < 0x110000;
}

// Decodes &lt; &gt; &amp; &quot; &apos; &#N; &#xN;. Unknown entities and references to
// characters XML does not allow stay as they are.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto end = s.find(';', i);
    if (end == std::string_view::npos || end - i > 10) {
      out += s[i];
      continue;
    }
    auto ent = s.substr(i + 1, end - i - 1);
    if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "amp")
      out += '&';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      unsigned long cp = 0;
      auto digits = ent.substr(1);
      int base = 10;
      if (!digits.empty() && (digits[0] == 'x' || digits[0] == 'X')) {
        digits.remove_prefix(1);
        base = 16;
      }
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, base);
      if (ec != std::errc{} || ptr != digits.data() + digits.size() || !xml_char(cp)) {
        out += s.substr(i, end - i + 1);
      } else {
        append_utf8(out, cp);
      }
    } else {
      out += s.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

struct element {
  std::string_view name; ///< local name
  std::map<std::string, std::string, std::less<>> attributes;
  std::string_view text; ///< content up to the first child or the end tag ("" if self-closing)
  bool ok = true;
};

std::string_view local_name(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Reads the start tag at xml[pos] == '<'. Returns nullopt for comments, declarations, end tags.
std::optional<element> read_start_tag(std::string_view xml, size_t pos, size_t& next) {
  next = pos + 1;
  if (pos + 1 >= xml.size())
    return std::nullopt;
  char c = xml[pos + 1];
  if (c == '/' || c == '?' || c == '!')
    return std::nullopt;
  size_t i = pos + 1;
  while (i < xml.size() && !is_space(xml[i]) && xml[i] != '>' && xml[i] != '/')
    ++i;
  element el;
  el.name = local_name(xml.substr(pos + 1, i - pos - 1));
  // Attributes.
  while (true) {
    while (i < xml.size() && is_space(xml[i]))
      ++i;
    if (i >= xml.size()) {
      el.ok = false;
      return el;
    }
    if (xml[i] == '>' || xml[i] == '/')
      break;
    auto eq = xml.find('=', i);
    if (eq == std::string_view::npos) {
      el.ok = false;
      return el;
    }
    auto name = xml.substr(i, eq - i);
    while (!name.empty() && is_space(name.back()))
      name.remove_suffix(1);
    size_t q = eq + 1;
    while (q < xml.size() && is_space(xml[q]))
      ++q;
    if (q >= xml.size() || (xml[q] != '"' && xml[q] != '\'')) {
      el.ok = false;
      return el;
    }
    auto close = xml.find(xml[q], q + 1);
    if (close == std::string_view::npos) {
      el.ok = false;
      return el;
    }
    el.attributes.emplace(std::string{local_name(name)},
                          unescape(xml.substr(q + 1, close - q - 1)));
    i = close + 1;
  }
  bool self_closing = xml[i] == '/';
  auto gt = xml.find('>', i);
  if (gt == std::string_view::npos) {
    el.ok = false;
    return el;
  }
  next = gt + 1;
  if (!self_closing) {
    auto lt = xml.find('<', next);
    if (lt == std::string_view::npos) {
      el.ok = false;
      return el;
    }
    el.text = xml.substr(next, lt - next);
  }
  return el;
}

// Calls f(element) for every start tag in document order; false if the markup is broken.
template <class F>
bool for_each_element(std::string_view xml, F&& f) {
  size_t pos = 0;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    if (xml.substr(pos, 4) == "<!--") {
      auto end = xml.find("-->", pos + 4);
      if (end == std::string_view::npos)
        return false;
      pos = end + 3;
      continue;
    }
    size_t next = pos + 1;
    auto el = read_start_tag(xml, pos, next);
    if (el) {
      if (!el->ok)
        return false;
      if (!f(*el))
        return true;
    }
    pos = next;
  }
  return true;
}

// Whether the document ends with the root element closed: its end tag `</root>` (any prefix)
// or, for an empty root, its self-closing start tag, followed by nothing but whitespace. A body
// cut short (e.g. by a proxy) is thus an error instead of a document with children missing.
bool root_closed(std::string_view xml, std::string_view root) {
  while (!xml.empty() && is_space(xml.back()))
    xml.remove_suffix(1);
  if (xml.empty() || xml.back() != '>')
    return false;
  auto lt = xml.rfind('<');
  if (lt == std::string_view::npos)
    return false;
  auto tag = xml.substr(lt + 1, xml.size() - lt - 2); // between '<' and '>'
  if (!tag.empty() && tag.front() == '/') {
    tag.remove_prefix(1);
    while (!tag.empty() && is_space(tag.back()))
      tag.remove_suffix(1);
    return local_name(tag) == root;
  }
  if (tag.empty() || tag.back() != '/')
    return false;
  size_t end = 0;
  while (end < tag.size() && !is_space(tag[end]) && tag[end] != '/')
    ++end;
  if (local_name(tag.substr(0, end)) != root)
    return false;
  // A self-closing root is the only element: only declarations and comments come before it.
  auto before = xml.substr(0, lt);
  for (size_t p = before.find('<'); p != std::string_view::npos; p = before.find('<', p + 1))
    if (p + 1 >= before.size() || (before[p + 1] != '?' && before[p + 1] != '!'))
      return false;
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return unescape(s);
}

std::string attr(const element& el, std::string_view name) {
  auto i = el.attributes.find(name);
  return i == el.attributes.end() ? std::string{} : i->second;
}

} // namespace

bool parse_task_status(std::string_view text, task_status& out) {
  static const std::map<std::string_view, task_status> names{
    {"queued", task_status::queued},   {"preRunning", task_status::pre_running},
    {"running", task_status::running}, {"postRunning", task_status::post_running},
    {"success", task_status::success}, {"error", task_status::error},
    {"aborted", task_status::aborted},
  };
  auto i = names.find(text);
  if (i == names.end())
    return false;
  out = i->second;
  return true;
}

caf::expected<std::vector<std::string>> decode_versions(std::string_view xml) {
  std::vector<std::string> out;
  bool ok = for_each_element(xml, [&](const element& el) {
    if (el.name == "Version") {
      auto v = trim(el.text);
      if (!v.empty())
        out.push_back(std::move(v));
    }
    return true;
  });
  if (!ok)
    return bad("cannot decode /api/versions: malformed XML");
  if (!root_closed(xml, "SupportedVersions"))
    return bad("cannot decode /api/versions: the document does not end with </SupportedVersions>");
  if (out.empty())
    return bad("cannot decode /api/versions: no <Version> element");
  return out;
}

caf::expected<task> decode_task(std::string_view xml) {
  task t;
  bool root_seen = false;
  bool owner_seen = false;
  bool error_seen = false;
  std::string status;
  bool ok = for_each_element(xml, [&](const element& el) {
    if (!root_seen) {
      if (el.name != "Task")
        return false;
      root_seen = true;
      t.href = attr(el, "href");
      t.id = attr(el, "id");
      t.operation = attr(el, "operation");
      status = attr(el, "status");
      return true;
    }
    if (el.name == "Task" || el.name == "Tasks")
      return false; // nested sub-tasks: the parent's own children came first
    if (el.name == "Owner" && !owner_seen) {
      owner_seen = true;
      t.owner = {attr(el, "name"), attr(el, "id")};
    } else if (el.name == "Error" && !error_seen) {
      error_seen = true;
      auto major = attr(el, "majorErrorCode");
      int32_t code = 0;
      std::from_chars(major.data(), major.data() + major.size(), code);
      t.error = {code, attr(el, "minorErrorCode"), attr(el, "message")};
    } else if (el.name == "ResultContent" && t.result_content.empty()) {
      t.result_content = trim(el.text); // e.g. the JSON array of an IP Space allocation
    } else if (el.name == "Progress") {
      auto text = trim(el.text);
      int32_t p = 0;
      if (std::from_chars(text.data(), text.data() + text.size(), p).ec == std::errc{})
        t.progress = p;
    }
    return true;
  });
  if (!ok)
    return bad("cannot decode task: malformed XML");
  if (!root_seen)
    return bad("cannot decode task: the document is not a <Task>");
  if (!root_closed(xml, "Task"))
    return bad("cannot decode task: the document does not end with </Task> (truncated?)");
  if (!parse_task_status(status, t.status))
    return bad("cannot decode task: unknown status '" + status + "'");
  if (t.id.empty() && t.href.empty())
    return bad("cannot decode task: no id or href");
  return t;
}

} // namespace vcdlb::vcd::detail
