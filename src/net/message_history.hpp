// The hub's MessageStore over the HistoryLog: every accepted message is written to the
// history database before anyone receives it (see Hub::set_message_store).
#pragma once

#include "core/hub.hpp"
#include "net/history_log.hpp"

namespace hubchat::net {

class MessageHistory final : public MessageStore {
  public:
    explicit MessageHistory(HistoryLog& log) : log_(log) {}

    std::optional<MessageId> append(const ChatMessage& message,
                                    const std::vector<std::string>& targets,
                                    const std::vector<std::string>& offline,
                                    Stored stored) override {
        store::NewMessage record;
        record.ts_ms = message.ts;
        record.sender = message.from;
        record.dest = message.dest;
        record.targets = targets;
        record.text = message.text;
        record.offline_recipients = offline;
        auto id = log_.append_stored(std::move(record), std::move(stored));
        if (!id) return std::nullopt;
        return static_cast<MessageId>(*id);
    }

  private:
    HistoryLog& log_;
};

}  // namespace hubchat::net
