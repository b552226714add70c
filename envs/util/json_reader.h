#pragma once
// Strict reading of JSON configs: every key of an object is checked for type and range, and keys
// nobody asked about are refused. Errors throw ConfigError whose message starts with "config: "
// and names the dotted key (e.g. "config: training.lr=-1 is outside [0, 10]").
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/util/input_error.h"

namespace tenuki {

class ConfigError : public InputError {
 public:
  using InputError::InputError;
};

// Reads the keys of one JSON object, recording which were read; finish() rejects the others.
class JsonObjectReader {
 public:
  JsonObjectReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_.empty() ? "config" : path_, "must be a JSON object");
  }

  bool has(const std::string& key) {
    known_.insert(key);
    return j_.contains(key);
  }
  const nlohmann::json& at(const std::string& key) { return j_.at(key); }
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  template <typename T>
  void integer(const std::string& key, T* field, double min, double max) {
    if (!has(key)) return;
    const auto& v = j_.at(key);
    if (!v.is_number_integer()) fail(name(key), "must be an integer, got " + v.dump());
    range(key, v.get<double>(), min, max);
    *field = v.get<T>();
  }
  void number(const std::string& key, double* field, double min, double max) {
    if (!has(key)) return;
    const auto& v = j_.at(key);
    if (!v.is_number()) fail(name(key), "must be a number, got " + v.dump());
    range(key, v.get<double>(), min, max);
    *field = v.get<double>();
  }
  void boolean(const std::string& key, bool* field) {
    if (!has(key)) return;
    const auto& v = j_.at(key);
    if (!v.is_boolean()) fail(name(key), "must be true or false, got " + v.dump());
    *field = v.get<bool>();
  }
  void string(const std::string& key, std::string* field) {
    if (!has(key)) return;
    const auto& v = j_.at(key);
    if (!v.is_string()) fail(name(key), "must be a string, got " + v.dump());
    *field = v.get<std::string>();
  }
  void choice(const std::string& key, std::string* field, const std::vector<std::string>& options) {
    string(key, field);
    for (const auto& o : options) {
      if (*field == o) return;
    }
    std::string list;
    for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
    fail(name(key), "'" + *field + "' is not one of: " + list);
  }
  void strings(const std::string& key, std::vector<std::string>* field) {
    if (!has(key)) return;
    const auto& v = j_.at(key);
    if (!v.is_array()) fail(name(key), "must be an array of strings, got " + v.dump());
    field->clear();
    for (const auto& item : v) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        fail(name(key), "must hold non-empty strings, got " + item.dump());
      }
      field->push_back(item.get<std::string>());
    }
  }

  // Throws for every key that no getter asked about, listing the known ones.
  void finish() const {
    for (const auto& [key, value] : j_.items()) {
      if (known_.count(key)) continue;
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      throw ConfigError("config: unknown key '" + name(key) + "' (known here: " + list + ")");
    }
  }

  [[noreturn]] static void fail(const std::string& key, const std::string& what) {
    throw ConfigError("config: " + key + " " + what);
  }

 private:
  void range(const std::string& key, double v, double min, double max) const {
    if (!(v >= min && v <= max)) {
      std::ostringstream s;
      s << "=" << v << " is outside [" << min << ", " << max << "]";
      fail(name(key), s.str());
    }
  }

  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> known_;
};

}  // namespace tenuki
