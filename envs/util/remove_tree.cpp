#include "envs/util/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tenuki {
namespace {

thread_local std::string* g_first_error = nullptr;

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  const int rc = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && errno != ENOENT && g_first_error != nullptr && g_first_error->empty()) {
    *g_first_error = std::string("cannot remove '") + path + "': " + std::strerror(errno);
  }
  return 0;  // go on with the rest of the tree
}

}  // namespace

bool remove_tree(const std::string& path, std::string* error) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    if (error) *error = "cannot remove '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string first_error;
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      first_error = "cannot remove '" + path + "': " + std::strerror(errno);
    }
  } else {
    g_first_error = &first_error;
    if (::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0 && first_error.empty()) {
      first_error = "cannot walk '" + path + "': " + std::strerror(errno);
    }
    g_first_error = nullptr;
  }
  if (!first_error.empty()) {
    if (error) *error = first_error;
    return false;
  }
  return true;
}

}  // namespace tenuki
