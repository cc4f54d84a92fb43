// The hub's MessageStore over the HistoryLog: every accepted message is written to the
// history database before anyone receives it (see Hub::set_message_store). The log reads
// the hub's message in place and reports once per group commit.
#pragma once

#include "core/hub.hpp"
#include "net/history_log.hpp"

namespace hubchat::net {

class MessageHistory final : public MessageStore {
  public:
    explicit MessageHistory(HistoryLog& log) : log_(log) {}

    void set_sink(Sink* sink) override {
        if (sink == nullptr) return log_.set_on_stored({});
        log_.set_on_stored([sink](std::int64_t last_id, bool stored) {
            sink->stored(static_cast<MessageId>(last_id), stored);
        });
    }

    std::optional<MessageId> append(const ChatMessage& message,
                                    std::span<const std::string> targets,
                                    std::span<const std::string> offline) override {
        auto id = log_.append_in_place(message, targets, offline);
        if (!id) return std::nullopt;
        return static_cast<MessageId>(*id);
    }

  private:
    HistoryLog& log_;
};

}  // namespace hubchat::net
