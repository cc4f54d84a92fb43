// A fresh server per test, and helpers to connect users of either dialect to it.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/server_process.hpp"
#include "support/test_client.hpp"

namespace hubchat::test {

namespace json = boost::json;

class NetTest : public ::testing::Test {
  protected:
    explicit NetTest(std::vector<std::string> server_args = {}) : server(std::move(server_args)) {}

    std::unique_ptr<TestClient> connect(TestClient::Options options = {}) {
        return std::make_unique<TestClient>(server.host(), server.port(), options);
    }
    // A welcomed hubchat-dialect user.
    std::unique_ptr<TestClient> user(std::string_view name, TestClient::Options options = {}) {
        auto client = connect(options);
        const auto reply = client->hello_reply(name);
        EXPECT_TRUE(has_type(reply, "welcome")) << name << ": " << to_text(reply);
        return client;
    }
    // An original-dialect user, registered by a list request as the Python client would
    // on `L`; the list reply is checked to contain it.
    std::unique_ptr<TestClient> original(std::string_view name) {
        auto client = connect();
        client->send_raw(list_request(name));
        const auto reply = client->next_frame();
        EXPECT_TRUE(reply && reply->find("\"client-list\"") != std::string::npos)
            << name << ": " << reply.value_or("<nothing>");
        return client;
    }

    // The two frames the original Python client writes, byte for byte.
    static std::string list_request(std::string_view user) {
        return R"({"user": ")" + std::string(user) + R"(", "request": "ClientList"})";
    }
    static std::string chat(std::string_view user, std::string_view text, std::string_view dest) {
        return R"({"user": ")" + std::string(user) + R"(", "message": ")" + std::string(text) +
               R"(", "dest": ")" + std::string(dest) + R"("})";
    }
    // A hubchat message request.
    static std::string message(const json::value& dest, std::string_view text,
                               std::string_view ref = "m") {
        return json::serialize(json::object{
                   {"type", "message"}, {"dest", dest}, {"message", text}, {"ref", ref}}) +
               "\n";
    }

    ServerProcess server;
};

// Every hubchat `message` frame among `frames`, as a readable list for failure output.
inline std::vector<std::string> chats_in(const std::vector<json::object>& frames) {
    std::vector<std::string> out;
    for (const auto& f : frames) {
        if (has_type(f, "message") || f.contains("unparsed")) out.push_back(to_text(f));
    }
    return out;
}

}  // namespace hubchat::test
