#pragma once
// The checkpoint file format of agents/net/checkpoint.h as plain bytes, without LibTorch: used by
// checkpoint.cpp and by the fuzz target. Thread-safe (no shared state).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agents/net/checkpoint.h"

namespace tenuki {

// A tensor inside a file image: its shape and a pointer to numel float32 little-endian values
// (unaligned) that lives as long as the image.
struct StoredTensor {
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
};

// A tensor to write: name, shape and numel contiguous floats.
struct TensorView {
  std::string name;
  std::vector<int64_t> shape;
  const float* data = nullptr;
};

// Throws CheckpointError "checkpoint 'PATH': PROBLEM".
[[noreturn]] void checkpoint_fail(const std::string& path, const std::string& problem);

// Verifies a whole file image (magic, version, length, checksum, metadata, encoding schema,
// tensor table) and returns its tensors by name; `path` only names the file in messages. Never
// reads outside `bytes` and never allocates more than the image implies. Throws CheckpointError.
std::map<std::string, StoredTensor> parse_checkpoint(const std::string& path,
                                                     const std::vector<uint8_t>& bytes,
                                                     CheckpointMeta* meta);

// The file image of `meta` and `tensors` (in that order); fills the encoding schema, version and
// creation time when they are empty.
std::vector<uint8_t> serialize_checkpoint(const CheckpointMeta& meta,
                                          const std::vector<TensorView>& tensors);

// Writes a file image to `path` atomically (a temporary file in the same folder, fsync, rename).
// Throws CheckpointError on I/O failure (the destination is then untouched).
void write_checkpoint_file(const std::string& path, const std::vector<uint8_t>& bytes);

// The whole file, after checking from its header that it is a checkpoint of exactly this size
// (a wrong file is rejected before it is read into memory). Throws CheckpointError.
std::vector<uint8_t> read_checked_file(const std::string& path);

}  // namespace tenuki
