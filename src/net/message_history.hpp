// The hub's MessageStore over the HistoryLog: every accepted message is written to the
// history database before anyone receives it (see Hub::set_message_store).
#pragma once

#include "core/hub.hpp"
#include "net/history_log.hpp"

namespace hubchat::net {

class MessageHistory final : public MessageStore {
  public:
    explicit MessageHistory(HistoryLog& log) : log_(log) {}

    std::optional<MessageId> append(std::shared_ptr<const ChatMessage> message,
                                    std::vector<std::string> targets,
                                    const std::vector<std::string>& offline,
                                    Stored stored) override {
        auto id =
            log_.append_shared(std::move(message), std::move(targets), offline, std::move(stored));
        if (!id) return std::nullopt;
        return static_cast<MessageId>(*id);
    }

  private:
    HistoryLog& log_;
};

}  // namespace hubchat::net
