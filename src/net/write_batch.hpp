// Holds the writes to plain sockets started on this thread while it is alive, and hands
// them to the kernel together when the outermost one ends: at chat rates a broadcast is
// one small write per member, and one submission for all of them saves a system call per
// member (send_batch.hpp). Open one only between handlers, with no user of a Transport
// in the middle of a call: the users of writes that finish at once are told (on_written)
// as the batch ends; the others, as before, by the loop.
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
