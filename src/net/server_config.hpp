#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/admission.hpp"
#include "core/hub.hpp"

namespace hubchat::net {

struct ServerConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 7002;
    bool verbose = false;
    std::size_t max_message = 64 * 1024;      // largest accepted frame
    std::size_t max_queue = 4 * 1024 * 1024;  // output queue cap per connection
    std::size_t presence_limit = 500;         // see HubLimits::presence_max_members
    // Flood control and caps, 0 turning each off. The defaults and their reasons live with
    // the code that enforces them, in src/core.
    std::uint32_t rate_burst = HubLimits{}.message_burst;
    std::uint32_t rate_per_second = HubLimits{}.message_rate_per_second;  // 0: no flood control
    std::size_t max_rooms_per_user = HubLimits{}.max_rooms_per_user;
    std::size_t max_recipients = HubLimits{}.max_recipients;
    std::size_t max_name_chars = HubLimits{}.max_name_chars;
    std::size_t max_room_name_chars = HubLimits{}.max_room_name_chars;
    // For the listener's AdmissionControl, as is.
    AdmissionLimits admission;
    // Frames to original-dialect clients are spaced this far apart: its client breaks
    // when two objects arrive in one read.
    std::chrono::milliseconds original_pacing{5};
    // How long a closing connection may take to read its last frames (for a client cut
    // off for not reading, the time it has to read what is in flight plus the final error).
    std::chrono::milliseconds close_linger{5000};
    // Timeouts, each off at 0 (docs/PROTOCOL.md, "Timeouts"). Checked once a second.
    // From a connection's first byte to its registration: a program registers at once,
    // and a person asked for another name after name_taken still has a minute.
    std::chrono::seconds registration_timeout{60};
    // A frame begun but not finished within this closes the connection (slowloris).
    std::chrono::seconds frame_timeout{30};
    // A hubchat-dialect connection silent this long is pinged, and closed if still silent
    // as long again: dead peers behind NAT or a dropped Wi-Fi otherwise linger for hours.
    std::chrono::seconds idle_timeout{120};

    // Where the server keeps its state: the database, a generated TLS certificate.
    std::string data_dir;
    // TLS on the same port as plain TCP (the first byte tells them apart).
    bool tls = false;             // serve TLS (implied by tls_certificate)
    std::string tls_certificate;  // PEM files; empty with `tls`: a self-signed pair in data_dir
    std::string tls_key;
    bool require_tls = false;           // refuse plain connections...
    bool allow_plain_loopback = false;  // ...except from this machine
    // Accounts (in data_dir's database): guests refused; a password for the whole server.
    bool accounts_only = false;
    std::string server_password_file;
    // New accounts one address may make at once, and then per hour (0: no limit). Each
    // costs a password hash on the account worker, which logins wait behind, and a row
    // kept for good.
    std::uint32_t max_sign_ups_per_hour = 10;
    // History (in data_dir's database): every message stored before it is delivered;
    // kept this many days (0: forever) and this many per room (0: no limit).
    bool history = true;
    std::uint32_t history_days = 365;
    std::size_t history_per_room = 0;
    // Group commit: most messages per transaction, and longest a message waits for others
    // to share its commit while the server is busy (a quiet server commits at once).
    std::size_t history_batch = 4096;
    std::uint32_t history_flush_us = 2000;
    bool export_history = false;  // --export: print the history as JSON lines and exit
    // The server's name in IRC lines (":hubchat 001 ...", PONG).
    std::string irc_server_name = "hubchat";
    // Writes of one turn of the loop handed to the kernel together, through io_uring where
    // the kernel allows it (off: a system call per connection, as before).
    bool io_uring = true;
    // The browser page, its WebSocket and /healthz on the same port (off: HTTP is refused).
    bool web = true;
    // Origins besides the server's own whose pages may open its WebSocket
    // ("https://chat.example.org"); see docs/SECURITY.md.
    std::vector<std::string> web_origins;
};

}  // namespace hubchat::net
