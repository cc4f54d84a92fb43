// Holds the writes to plain sockets started on this thread while it is alive, and hands
// them to the kernel together when the outermost one ends: at chat rates a broadcast is
// one small write per member, and one submission for all of them saves a system call per
// member (send_batch.hpp). Writes complete as they would have (Transport::write's user is
// told afterwards either way); only their system calls move to the end of the batch.
#pragma once

namespace hubchat::net {

class WriteBatch {
  public:
    WriteBatch();
    ~WriteBatch();
    WriteBatch(const WriteBatch&) = delete;
    WriteBatch& operator=(const WriteBatch&) = delete;
};

}  // namespace hubchat::net
