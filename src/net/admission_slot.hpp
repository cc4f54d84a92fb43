// An admitted connection's place in the listener's AdmissionControl. It travels inside the
// connection's Transport (through sniffing, a TLS handshake and into the adapter), so the
// place is given back exactly once, when whatever holds the connection last goes away,
// on every path: a sniffer that gives up, a failed handshake, a session that ends.
#pragma once

#include <memory>
#include <utility>

#include "core/admission.hpp"

namespace hubchat::net {

class AdmissionSlot {
  public:
    AdmissionSlot() = default;
    // Shared ownership: a session the event loop destroys after the listener must still
    // find the AdmissionControl alive.
    AdmissionSlot(std::shared_ptr<AdmissionControl> control, const PeerAddress& address)
        : control_(std::move(control)), address_(address) {}
    AdmissionSlot(AdmissionSlot&& other) noexcept
        : control_(std::move(other.control_)), address_(other.address_) {}
    AdmissionSlot& operator=(AdmissionSlot&& other) noexcept {
        if (this != &other) {
            release();
            control_ = std::move(other.control_);  // leaves `other` holding nothing
            address_ = other.address_;
        }
        return *this;
    }
    AdmissionSlot(const AdmissionSlot&) = delete;
    AdmissionSlot& operator=(const AdmissionSlot&) = delete;
    ~AdmissionSlot() { release(); }

    void release() {
        if (auto control = std::move(control_)) control->release(address_);
    }

  private:
    std::shared_ptr<AdmissionControl> control_;
    PeerAddress address_;
};

}  // namespace hubchat::net
