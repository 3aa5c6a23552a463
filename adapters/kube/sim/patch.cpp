#include "adapters/kube/sim/patch.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace vcdlb::kube::sim {

namespace json = boost::json;

// -- merge patch (RFC 7386) ---------------------------------------------------------------------

json::value merge_patch(json::value target, const json::value& patch) {
  const auto* p = patch.if_object();
  if (p == nullptr)
    return patch;
  if (!target.is_object())
    target = json::object{};
  auto& t = target.as_object();
  for (const auto& [k, v] : *p) {
    if (v.is_null()) {
      t.erase(k);
      continue;
    }
    json::value* cur = t.if_contains(k);
    t[k] = merge_patch(cur != nullptr ? std::move(*cur) : json::value{}, v);
  }
  return target;
}

// -- JSON patch (RFC 6902) ----------------------------------------------------------------------

namespace {

api_error patch_failed(std::string message) {
  return {422, "Invalid", std::move(message), {}, 0};
}

result<std::vector<std::string>> parse_pointer(std::string_view ptr) {
  std::vector<std::string> tokens;
  if (ptr.empty())
    return tokens;
  if (ptr.front() != '/')
    return patch_failed("invalid JSON pointer \"" + std::string{ptr} + "\"");
  ptr.remove_prefix(1);
  while (true) {
    auto slash = ptr.find('/');
    auto raw = ptr.substr(0, slash);
    std::string tok;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        tok += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else if (raw[i] == '~') {
        return patch_failed("invalid escape in JSON pointer \"" + std::string{raw} + "\"");
      } else {
        tok += raw[i];
      }
    }
    tokens.push_back(std::move(tok));
    if (slash == std::string_view::npos)
      break;
    ptr.remove_prefix(slash + 1);
  }
  return tokens;
}

std::optional<size_t> array_index(const std::string& tok, size_t size, bool allow_end) {
  if (allow_end && tok == "-")
    return size;
  if (tok.empty() || tok.size() > 9
      || !std::all_of(tok.begin(), tok.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })
      || (tok.size() > 1 && tok[0] == '0'))
    return std::nullopt;
  size_t i = std::stoul(tok);
  if (i > size || (!allow_end && i == size))
    return std::nullopt;
  return i;
}

// The value at `tokens`, or null when a step is missing.
json::value* resolve(json::value& doc, const std::vector<std::string>& tokens, size_t count) {
  json::value* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    if (auto* o = cur->if_object()) {
      cur = o->if_contains(tokens[i]);
    } else if (auto* a = cur->if_array()) {
      auto idx = array_index(tokens[i], a->size(), false);
      cur = idx ? &(*a)[*idx] : nullptr;
    } else {
      cur = nullptr;
    }
    if (cur == nullptr)
      return nullptr;
  }
  return cur;
}

std::string pointer_text(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens)
    out += "/" + t;
  return out;
}

result<json::value> remove_at(json::value& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty())
    return patch_failed("cannot remove the whole document");
  json::value* parent = resolve(doc, tokens, tokens.size() - 1);
  if (parent != nullptr) {
    if (auto* o = parent->if_object()) {
      if (auto it = o->find(tokens.back()); it != o->end()) {
        json::value old = std::move(it->value());
        o->erase(it);
        return old;
      }
    } else if (auto* a = parent->if_array()) {
      if (auto idx = array_index(tokens.back(), a->size(), false)) {
        json::value old = std::move((*a)[*idx]);
        a->erase(a->begin() + static_cast<std::ptrdiff_t>(*idx));
        return old;
      }
    }
  }
  return patch_failed("unable to remove nonexistent key: " + pointer_text(tokens));
}

result<bool> add_at(json::value& doc, const std::vector<std::string>& tokens, json::value v,
                    bool replace) {
  if (tokens.empty()) {
    doc = std::move(v);
    return true;
  }
  json::value* parent = resolve(doc, tokens, tokens.size() - 1);
  if (parent != nullptr) {
    if (auto* o = parent->if_object()) {
      if (replace && !o->contains(tokens.back()))
        return patch_failed("replace operation does not apply: doc is missing key: "
                            + pointer_text(tokens));
      (*o)[tokens.back()] = std::move(v);
      return true;
    }
    if (auto* a = parent->if_array()) {
      auto idx = array_index(tokens.back(), a->size(), !replace);
      if (idx) {
        if (replace)
          (*a)[*idx] = std::move(v);
        else
          a->insert(a->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(v));
        return true;
      }
    }
  }
  return patch_failed("doc is missing path: " + pointer_text(tokens));
}

} // namespace

result<json::value> json_patch(json::value target, const json::value& ops) {
  const auto* list = ops.if_array();
  if (list == nullptr)
    return bad_request("json patch must be a list of operations");
  for (const auto& op_value : *list) {
    const auto* op = op_value.if_object();
    const json::value* name = op != nullptr ? op->if_contains("op") : nullptr;
    const json::value* path = op != nullptr ? op->if_contains("path") : nullptr;
    if (name == nullptr || !name->is_string() || path == nullptr || !path->is_string())
      return bad_request("json patch operation needs \"op\" and \"path\": "
                         + json::serialize(op_value));
    auto tokens = parse_pointer(path->as_string());
    if (!tokens)
      return tokens.error();
    std::string_view kind = name->as_string();
    const json::value* value = op->if_contains("value");
    auto need_value = [&]() -> result<bool> {
      if (value == nullptr)
        return bad_request("json patch operation \"" + std::string{kind} + "\" needs \"value\"");
      return true;
    };
    if (kind == "add" || kind == "replace") {
      if (auto r = need_value(); !r)
        return r.error();
      if (auto r = add_at(target, *tokens, *value, kind == "replace"); !r)
        return r.error();
    } else if (kind == "remove") {
      if (auto r = remove_at(target, *tokens); !r)
        return r.error();
    } else if (kind == "test") {
      if (auto r = need_value(); !r)
        return r.error();
      json::value* cur = resolve(target, *tokens, tokens->size());
      if (cur == nullptr || *cur != *value)
        return patch_failed("testing value " + std::string{path->as_string().c_str()}
                            + " failed: test failed");
    } else if (kind == "move" || kind == "copy") {
      const json::value* from = op->if_contains("from");
      if (from == nullptr || !from->is_string())
        return bad_request("json patch operation \"" + std::string{kind} + "\" needs \"from\"");
      auto from_tokens = parse_pointer(from->as_string());
      if (!from_tokens)
        return from_tokens.error();
      json::value moved;
      if (kind == "move") {
        auto old = remove_at(target, *from_tokens);
        if (!old)
          return old.error();
        moved = std::move(*old);
      } else {
        json::value* src = resolve(target, *from_tokens, from_tokens->size());
        if (src == nullptr)
          return patch_failed("copy operation does not apply: doc is missing from path: "
                              + pointer_text(*from_tokens));
        moved = *src;
      }
      if (auto r = add_at(target, *tokens, std::move(moved), false); !r)
        return r.error();
    } else {
      return bad_request("unknown json patch operation \"" + std::string{kind} + "\"");
    }
  }
  return target;
}

// -- strategic merge patch ----------------------------------------------------------------------

std::span<const list_strategy> builtin_list_strategies() {
  static const std::vector<list_strategy> table = {
    {"metadata.finalizers", ""},
    {"metadata.ownerReferences", "uid"},
    {"spec.ports", "port"},
    {"spec.containers", "name"},
    {"spec.containers.ports", "containerPort"},
    {"spec.containers.env", "name"},
    {"spec.initContainers", "name"},
    {"spec.volumes", "name"},
    {"spec.template.spec.containers", "name"},
    {"spec.template.spec.containers.ports", "containerPort"},
    {"spec.template.spec.containers.env", "name"},
    {"spec.template.spec.initContainers", "name"},
    {"spec.template.spec.volumes", "name"},
    {"status.conditions", "type"},
    {"status.addresses", "type"},
  };
  return table;
}

namespace {

constexpr std::string_view set_order_prefix = "$setElementOrder/";
constexpr std::string_view delete_primitive_prefix = "$deleteFromPrimitiveList/";

class smp_engine {
public:
  explicit smp_engine(std::span<const list_strategy> lists) : lists_(lists) {}

  // Merges `patch` into `target` (an object); returns false when the patch says
  // `$patch: delete` for the whole map.
  result<bool> merge_map(json::object& target, const json::object& patch, const std::string& path) {
    if (const auto* directive = patch.if_contains("$patch")) {
      std::string_view d = directive->is_string() ? std::string_view{directive->as_string()} : "";
      if (d == "delete")
        return false;
      if (d == "replace") {
        target = strip(patch);
        return true;
      }
      if (d != "merge")
        return bad_request("unknown patch directive \"$patch\": " + json::serialize(*directive));
    }
    std::vector<std::pair<std::string, const json::array*>> orders;
    for (const auto& [k, v] : patch) {
      std::string_view key = k;
      if (key == "$patch" || key == "$retainKeys")
        continue;
      if (key.starts_with(set_order_prefix)) {
        if (!v.is_array())
          return bad_request("$setElementOrder must be a list");
        orders.emplace_back(std::string{key.substr(set_order_prefix.size())}, &v.as_array());
        continue;
      }
      if (key.starts_with(delete_primitive_prefix)) {
        if (!v.is_array())
          return bad_request("$deleteFromPrimitiveList must be a list");
        auto field = key.substr(delete_primitive_prefix.size());
        if (auto* cur = target.if_contains(field); cur != nullptr && cur->is_array()) {
          auto& arr = cur->as_array();
          for (const auto& del : v.as_array())
            arr.erase(std::remove(arr.begin(), arr.end(), del), arr.end());
        }
        continue;
      }
      std::string child = path.empty() ? std::string{key} : path + "." + std::string{key};
      if (v.is_null()) {
        target.erase(key);
      } else if (const auto* pobj = v.if_object()) {
        json::value* cur = target.if_contains(key);
        if (cur == nullptr || !cur->is_object())
          cur = &(target[key] = json::object{});
        auto keep = merge_map(cur->as_object(), *pobj, child);
        if (!keep)
          return keep.error();
        if (!*keep)
          target.erase(key);
      } else if (const auto* parr = v.if_array()) {
        json::value* cur = target.if_contains(key);
        json::array base = cur != nullptr && cur->is_array() ? cur->as_array() : json::array{};
        auto merged = merge_list(std::move(base), *parr, child);
        if (!merged)
          return merged.error();
        target[key] = std::move(*merged);
      } else {
        target[key] = v;
      }
    }
    for (const auto& [field, order] : orders)
      if (auto* cur = target.if_contains(field); cur != nullptr && cur->is_array())
        reorder(cur->as_array(), *order, path.empty() ? field : path + "." + field);
    if (const auto* retain = patch.if_contains("$retainKeys")) {
      if (!retain->is_array())
        return bad_request("$retainKeys must be a list");
      std::vector<std::string> drop;
      for (const auto& [k, v] : target) {
        (void)v;
        if (std::find(retain->as_array().begin(), retain->as_array().end(), json::value(k))
            == retain->as_array().end())
          drop.emplace_back(k);
      }
      for (const auto& k : drop)
        target.erase(k);
    }
    return true;
  }

private:
  const list_strategy* strategy(const std::string& path) const {
    for (const auto& s : lists_)
      if (s.path == path)
        return &s;
    return nullptr;
  }

  // A copy of `v` without `$`-directives (for list items and maps added fresh).
  static json::object strip(const json::object& v) {
    json::object out;
    for (const auto& [k, item] : v) {
      if (std::string_view{k}.starts_with("$"))
        continue;
      if (const auto* o = item.if_object())
        out[k] = strip(*o);
      else
        out[k] = item;
    }
    return out;
  }

  static bool is_replace_marker(const json::value& v) {
    const auto* o = v.if_object();
    if (o == nullptr || o->size() != 1)
      return false;
    const auto* d = o->if_contains("$patch");
    return d != nullptr && d->is_string() && d->as_string() == "replace";
  }

  result<json::array> merge_list(json::array base, const json::array& patch,
                                 const std::string& path) {
    const list_strategy* s = strategy(path);
    bool replace = std::any_of(patch.begin(), patch.end(), is_replace_marker);
    if (s == nullptr || replace) {
      json::array out;
      for (const auto& item : patch) {
        if (is_replace_marker(item))
          continue;
        out.push_back(item.is_object() ? json::value(strip(item.as_object())) : item);
      }
      return out;
    }
    if (s->merge_key.empty()) {
      for (const auto& item : patch)
        if (std::find(base.begin(), base.end(), item) == base.end())
          base.push_back(item);
      return base;
    }
    for (const auto& item : patch) {
      const auto* pobj = item.if_object();
      const json::value* key = pobj != nullptr ? pobj->if_contains(s->merge_key) : nullptr;
      if (key == nullptr)
        return bad_request("map in list " + path + " does not contain the merge key \""
                           + s->merge_key + "\"");
      auto match = std::find_if(base.begin(), base.end(), [&](const json::value& b) {
        const auto* bobj = b.if_object();
        const json::value* bk = bobj != nullptr ? bobj->if_contains(s->merge_key) : nullptr;
        return bk != nullptr && *bk == *key;
      });
      const auto* directive = pobj->if_contains("$patch");
      if (directive != nullptr && directive->is_string() && directive->as_string() == "delete") {
        if (match != base.end())
          base.erase(match);
        continue;
      }
      if (match == base.end()) {
        base.push_back(strip(*pobj));
        continue;
      }
      if (!match->is_object())
        *match = json::object{};
      auto keep = merge_map(match->as_object(), *pobj, path);
      if (!keep)
        return keep.error();
      if (!*keep)
        base.erase(match);
    }
    return base;
  }

  // Items named in `order` first, in that order; the rest keep their relative order after them.
  void reorder(json::array& list, const json::array& order, const std::string& path) const {
    const list_strategy* s = strategy(path);
    auto key_of = [&](const json::value& v) -> json::value {
      if (s == nullptr || s->merge_key.empty())
        return v;
      const auto* o = v.if_object();
      const json::value* k = o != nullptr ? o->if_contains(s->merge_key) : nullptr;
      return k != nullptr ? *k : json::value{};
    };
    json::array sorted;
    std::vector<bool> taken(list.size(), false);
    for (const auto& want : order) {
      json::value wanted = key_of(want);
      for (size_t i = 0; i < list.size(); ++i) {
        if (!taken[i] && key_of(list[i]) == wanted) {
          sorted.push_back(list[i]);
          taken[i] = true;
          break;
        }
      }
    }
    for (size_t i = 0; i < list.size(); ++i)
      if (!taken[i])
        sorted.push_back(list[i]);
    list = std::move(sorted);
  }

  std::span<const list_strategy> lists_;
};

} // namespace

result<json::value> strategic_merge_patch(json::value target, const json::value& patch,
                                          std::span<const list_strategy> lists) {
  const auto* p = patch.if_object();
  if (p == nullptr)
    return bad_request("strategic merge patch must be a JSON object");
  if (!target.is_object())
    target = json::object{};
  smp_engine engine{lists};
  auto keep = engine.merge_map(target.as_object(), *p, "");
  if (!keep)
    return keep.error();
  if (!*keep)
    return bad_request("a strategic merge patch cannot delete the whole object");
  return target;
}

} // namespace vcdlb::kube::sim
