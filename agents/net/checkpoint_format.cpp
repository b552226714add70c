// The checkpoint file format (see agents/net/checkpoint.h), without LibTorch: parsing and writing
// file images. Fuzzed by tests/fuzz/fuzz_checkpoint.cpp.
#include "agents/net/checkpoint_format.h"

#include <bit>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "envs/encoding.h"
#include "envs/util/atomic_file.h"

namespace tenuki {

static_assert(std::endian::native == std::endian::little,
              "checkpoint I/O assumes a little-endian host");

void to_json(nlohmann::json& j, const CheckpointMeta& m) {
  j = nlohmann::json{{"architecture", m.config},
                     {"encoding_schema", m.encoding_schema},
                     {"encoding_version", m.encoding_version},
                     {"game_spec", m.game_spec},
                     {"training_step", m.training_step},
                     {"parent", m.parent},
                     {"derivation", m.derivation},
                     {"created_at", m.created_at},
                     {"notes", m.notes}};
  if (m.search) {
    j["search"] = search_config_to_json(*m.search);
    j["search_max_moves"] = m.search_max_moves;
  }
  if (!m.transfer_report.empty()) j["transfer"] = nlohmann::json::parse(m.transfer_report);
}

void from_json(const nlohmann::json& j, CheckpointMeta& m) {
  if (!j.is_object()) throw std::invalid_argument("metadata is not a JSON object");
  CheckpointMeta out;
  auto str = [&](const char* key, std::string* field) {
    if (!j.contains(key)) return;
    if (!j[key].is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
    *field = j[key].get<std::string>();
  };
  if (!j.contains("architecture")) throw std::invalid_argument("metadata has no architecture");
  out.config = j["architecture"].get<NetworkConfig>();
  str("encoding_schema", &out.encoding_schema);
  if (j.contains("encoding_version")) {
    if (!j["encoding_version"].is_number_integer()) {
      throw std::invalid_argument("encoding_version must be an integer");
    }
    out.encoding_version = j["encoding_version"].get<int>();
  }
  str("game_spec", &out.game_spec);
  if (j.contains("training_step")) {
    if (!j["training_step"].is_number_integer()) {
      throw std::invalid_argument("training_step must be an integer");
    }
    out.training_step = j["training_step"].get<int64_t>();
  }
  str("parent", &out.parent);
  str("derivation", &out.derivation);
  str("created_at", &out.created_at);
  str("notes", &out.notes);
  if (j.contains("search")) {
    out.search = search_config_from_json(j["search"]);
    if (j.contains("search_max_moves")) {
      if (!j["search_max_moves"].is_number_integer() || j["search_max_moves"].get<int64_t>() < 0 ||
          j["search_max_moves"].get<int64_t>() > 1000000) {
        throw std::invalid_argument("search_max_moves must be an integer in [0, 1000000]");
      }
      out.search_max_moves = j["search_max_moves"].get<int>();
    }
  }
  if (j.contains("transfer")) {
    if (!j["transfer"].is_object()) throw std::invalid_argument("transfer must be an object");
    out.transfer_report = j["transfer"].dump();
  }
  m = out;
}

void checkpoint_fail(const std::string& path, const std::string& problem) {
  throw CheckpointError("checkpoint '" + path + "': " + problem);
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  checkpoint_fail(path, problem);
}

constexpr size_t kHeaderBytes = 8 + 4 + 8;  // magic, version, file length
constexpr size_t kChecksumBytes = 8;
constexpr uint32_t kMaxRank = 8;
constexpr uint32_t kMaxNameLength = 4096;

uint64_t fnv1a64(const uint8_t* data, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Append-only little-endian writer.
class Writer {
 public:
  template <typename T>
  void put(T v) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  void put_bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// Bounds-checked reader over a byte buffer; every read that would run past the end fails with
// a message naming the file and what was being read.
class Reader {
 public:
  Reader(const std::string& path, const uint8_t* data, size_t size)
      : path_(path), data_(data), size_(size) {}
  size_t remaining() const { return size_ - pos_; }
  size_t pos() const { return pos_; }
  void need(size_t n, const std::string& what) const {
    if (n > remaining()) {
      fail(path_, "truncated or corrupt: " + what + " needs " + std::to_string(n) +
                      " bytes at offset " + std::to_string(pos_) + " but only " +
                      std::to_string(remaining()) + " remain");
    }
  }
  template <typename T>
  T get(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  const uint8_t* take(size_t n, const std::string& what) {
    need(n, what);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

 private:
  const std::string& path_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) fail(path, "cannot determine the file size");
  in.seekg(0, std::ios::beg);
  const size_t n = std::min(static_cast<size_t>(size), max_bytes);
  std::vector<uint8_t> bytes(n);
  if (n > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(n))) {
    fail(path, "read error");
  }
  return bytes;
}

// Checks magic, version and declared length against `file_size`; leaves `r` after the header.
void check_header(const std::string& path, Reader& r, uint64_t file_size) {
  if (file_size < 8) {
    fail(path, "too short to be a checkpoint (" + std::to_string(file_size) + " bytes)");
  }
  const uint8_t* magic = r.take(8, "magic");
  if (std::memcmp(magic, kCheckpointMagic, 8) != 0) {
    fail(path, "not a tenuki checkpoint (wrong magic bytes)");
  }
  const uint32_t version = r.get<uint32_t>("format version");
  if (version != kCheckpointFormatVersion) {
    fail(path, "unsupported format version " + std::to_string(version) + " (this build reads " +
                   std::to_string(kCheckpointFormatVersion) + ")");
  }
  const uint64_t declared = r.get<uint64_t>("file length");
  if (file_size < declared) {
    fail(path, "truncated: the header says " + std::to_string(declared) +
                   " bytes but the file has " + std::to_string(file_size));
  }
  if (file_size > declared) {
    fail(path, "corrupt: the header says " + std::to_string(declared) + " bytes but the file has " +
                   std::to_string(file_size));
  }
}

CheckpointMeta read_meta(const std::string& path, Reader& r) {
  const uint64_t length = r.get<uint64_t>("metadata length");
  const uint8_t* text =
      r.take(static_cast<size_t>(std::min<uint64_t>(length, SIZE_MAX)), "metadata");
  try {
    auto j = nlohmann::json::parse(text, text + length);
    return j.get<CheckpointMeta>();
  } catch (const std::exception& e) {
    fail(path, std::string("bad metadata: ") + e.what());
  }
}

uint64_t file_size_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  return static_cast<uint64_t>(in.tellg());
}

}  // namespace

std::map<std::string, StoredTensor> parse_checkpoint(const std::string& path,
                                                     const std::vector<uint8_t>& bytes,
                                                     CheckpointMeta* meta) {
  Reader r(path, bytes.data(), bytes.size());
  check_header(path, r, bytes.size());
  if (bytes.size() < kHeaderBytes + kChecksumBytes) fail(path, "truncated: no checksum");
  const size_t body = bytes.size() - kChecksumBytes;
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + body, sizeof stored);
  if (fnv1a64(bytes.data(), body) != stored) {
    fail(path, "checksum mismatch: the file is corrupt");
  }
  Reader content(path, bytes.data(), body);
  content.take(kHeaderBytes, "header");
  *meta = read_meta(path, content);
  if (meta->encoding_schema != encoding::kSchemaName ||
      meta->encoding_version != encoding::kSchemaVersion) {
    fail(path, "encoding mismatch: the checkpoint expects inputs of schema '" +
                   meta->encoding_schema + "' version " + std::to_string(meta->encoding_version) +
                   " but this build encodes '" + encoding::kSchemaName + "' version " +
                   std::to_string(encoding::kSchemaVersion));
  }
  const uint32_t count = content.get<uint32_t>("tensor count");
  std::map<std::string, StoredTensor> tensors;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string what = "tensor " + std::to_string(i);
    const uint32_t name_length = content.get<uint32_t>(what + " name length");
    if (name_length == 0 || name_length > kMaxNameLength) {
      fail(path, "corrupt: " + what + " has a name of " + std::to_string(name_length) + " bytes");
    }
    const uint8_t* name_bytes = content.take(name_length, what + " name");
    std::string name(reinterpret_cast<const char*>(name_bytes), name_length);
    const uint32_t rank = content.get<uint32_t>(name + " rank");
    if (rank > kMaxRank)
      fail(path, "corrupt: tensor " + name + " has rank " + std::to_string(rank));
    StoredTensor t;
    uint64_t numel = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      const int64_t dim = content.get<int64_t>(name + " shape");
      // Each dimension must fit in what is left of the file, which also bounds the product.
      if (dim < 0 || static_cast<uint64_t>(dim) > content.remaining() / sizeof(float) + 1) {
        fail(path, "corrupt: tensor " + name + " has dimension " + std::to_string(dim));
      }
      t.shape.push_back(dim);
      numel *= static_cast<uint64_t>(dim);
      if (numel > content.remaining()) {
        fail(path, "truncated or corrupt: tensor " + name + " is larger than the file");
      }
    }
    t.data = content.take(static_cast<size_t>(numel) * sizeof(float), name + " data");
    if (!tensors.emplace(name, std::move(t)).second) {
      fail(path, "corrupt: tensor " + name + " appears twice");
    }
  }
  if (content.remaining() != 0) {
    fail(path,
         "corrupt: " + std::to_string(content.remaining()) + " unexpected bytes after the tensors");
  }
  return tensors;
}

std::vector<uint8_t> serialize_checkpoint(const CheckpointMeta& meta_in,
                                          const std::vector<TensorView>& tensors) {
  CheckpointMeta meta = meta_in;
  if (meta.encoding_schema.empty()) meta.encoding_schema = encoding::kSchemaName;
  if (meta.encoding_version == 0) meta.encoding_version = encoding::kSchemaVersion;
  if (meta.created_at.empty()) meta.created_at = utc_now();
  const std::string json_text = nlohmann::json(meta).dump();

  Writer w;
  w.put_bytes(kCheckpointMagic, 8);
  w.put<uint32_t>(kCheckpointFormatVersion);
  w.put<uint64_t>(0);  // file length, patched below
  w.put<uint64_t>(json_text.size());
  w.put_bytes(json_text.data(), json_text.size());
  w.put<uint32_t>(static_cast<uint32_t>(tensors.size()));
  for (const auto& t : tensors) {
    w.put<uint32_t>(static_cast<uint32_t>(t.name.size()));
    w.put_bytes(t.name.data(), t.name.size());
    w.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      w.put<int64_t>(d);
      numel *= static_cast<uint64_t>(d);
    }
    w.put_bytes(t.data, static_cast<size_t>(numel) * sizeof(float));
  }
  auto& bytes = w.bytes();
  const uint64_t total = bytes.size() + kChecksumBytes;
  std::memcpy(bytes.data() + 12, &total, sizeof total);
  const uint64_t checksum = fnv1a64(bytes.data(), bytes.size());
  w.put<uint64_t>(checksum);
  return std::move(w.bytes());
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  const uint64_t size = file_size_of(path);
  std::vector<uint8_t> head = read_file(path, kHeaderBytes + 8);
  {
    Reader r(path, head.data(), head.size());
    check_header(path, r, size);
    const uint64_t length = r.get<uint64_t>("metadata length");
    if (length > size - head.size()) {
      fail(path, "truncated or corrupt: metadata of " + std::to_string(length) +
                     " bytes does not fit in the file");
    }
    head = read_file(path, kHeaderBytes + 8 + static_cast<size_t>(length));
  }
  Reader r(path, head.data(), head.size());
  r.take(kHeaderBytes, "header");
  return read_meta(path, r);
}

void write_checkpoint_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  try {
    write_file_atomically(
        path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } catch (const std::runtime_error& e) {
    throw CheckpointError(e.what());
  }
}

std::vector<uint8_t> read_checked_file(const std::string& path) {
  const uint64_t size = file_size_of(path);
  const std::vector<uint8_t> head = read_file(path, kHeaderBytes);
  Reader r(path, head.data(), head.size());
  check_header(path, r, size);
  return read_file(path, static_cast<size_t>(size));
}

}  // namespace tenuki
