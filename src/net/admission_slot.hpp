// An admitted connection's place in the listener's AdmissionControl. It travels inside the
// connection's Transport (through sniffing, a TLS handshake and into the adapter), so the
// place is given back exactly once, when whatever holds the connection last goes away,
// on every path: a sniffer that gives up, a failed handshake, a session that ends.
#pragma once

#include <utility>

#include "core/admission.hpp"

namespace hubchat::net {

class AdmissionSlot {
  public:
    AdmissionSlot() = default;
    // `control` must outlive every slot: the listener keeps it in an Asio service of the
    // loop, which lives until the loop has destroyed its last connection.
    AdmissionSlot(AdmissionControl& control, const PeerAddress& address)
        : control_(&control), address_(address) {}
    AdmissionSlot(AdmissionSlot&& other) noexcept
        : control_(std::exchange(other.control_, nullptr)), address_(other.address_) {}
    AdmissionSlot& operator=(AdmissionSlot&& other) noexcept {
        if (this != &other) {
            release();
            control_ = std::exchange(other.control_, nullptr);
            address_ = other.address_;
        }
        return *this;
    }
    AdmissionSlot(const AdmissionSlot&) = delete;
    AdmissionSlot& operator=(const AdmissionSlot&) = delete;
    ~AdmissionSlot() { release(); }

    void release() {
        if (auto* control = std::exchange(control_, nullptr)) control->release(address_);
    }

  private:
    AdmissionControl* control_ = nullptr;  // null: nothing held
    PeerAddress address_;
};

}  // namespace hubchat::net
