#pragma once
// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0), for tests
// that start rendezvous servers. No project includes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tenuki::test {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace tenuki::test
