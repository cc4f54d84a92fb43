// decode_client_frame: both dialects' client frames to core commands, and every refusal.
#include <gtest/gtest.h>

#include "proto/json_codec.hpp"
#include "proto/json_framer.hpp"
#include "proto/json_write.hpp"

namespace hubchat::proto {
namespace {

using Targets = std::vector<std::string>;

InboundFrame decoded(std::string_view text) {
    auto result = decode_client_frame(text);
    if (auto* e = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << text << " -> " << error_code_name(e->code) << ": " << e->text;
        return {};
    }
    return std::get<InboundFrame>(result);
}

DecodeError refused(std::string_view text) {
    auto result = decode_client_frame(text);
    if (auto* e = std::get_if<DecodeError>(&result)) return *e;
    ADD_FAILURE() << text << " was accepted";
    return {};
}

template <class T>
T command(std::string_view text) {
    auto frame = decoded(text);
    if (!frame.command) {
        ADD_FAILURE() << text << " gave no command";
        return {};
    }
    if (const auto* c = std::get_if<T>(&*frame.command)) return *c;
    ADD_FAILURE() << text << " gave command #" << frame.command->index();
    return {};
}

// ---- the original dialect ------------------------------------------------------------

TEST(Decode, TheOriginalClientListRequest) {
    auto list = decoded(R"({"user": "alice", "request": "ClientList"})");
    EXPECT_FALSE(list.typed);
    EXPECT_FALSE(list.hello);
    EXPECT_EQ(list.user, "alice");
    ASSERT_TRUE(list.command);
    ASSERT_TRUE(std::holds_alternative<ListUsers>(*list.command));
    EXPECT_EQ(std::get<ListUsers>(*list.command).ref, "");
}

TEST(Decode, TheOriginalChatMessage) {
    auto chat = decoded(R"({"user": "alice", "message": "Hello Bob", "dest": "bob"})");
    EXPECT_FALSE(chat.typed);
    EXPECT_EQ(chat.user, "alice");
    ASSERT_TRUE(chat.command);
    const auto& send = std::get<SendMessage>(*chat.command);
    EXPECT_EQ(send.text, "Hello Bob");
    EXPECT_EQ(send.targets, Targets{"bob"});
    EXPECT_EQ(send.ref, "");
}

TEST(Decode, TheOriginalClientsPythonEscapesAreDecoded) {
    // PROTOCOL-FACTS §2: what json.dumps made of `héllo ✓ "quoted" back\slash`.
    auto send = command<SendMessage>(
        R"({"user": "alice", "message": "h\u00e9llo \u2713 \"quoted\" back\\slash", "dest": "bob"})");
    EXPECT_EQ(send.text, "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\" back\\slash");
}

TEST(Decode, RawFramesWithOtherKeyOrderAndExtraFieldsAreAccepted) {
    // PROTOCOL-FACTS §4: compact separators, raw UTF-8, any key order, an extra field.
    auto frame = decoded(
        "{\"dest\":\"ALL\",\"message\":\"raw \xc3\xa9 utf8\",\"user\":\"sender\",\"extra\":[1,2]}");
    EXPECT_EQ(frame.user, "sender");
    ASSERT_TRUE(frame.command);
    const auto& send = std::get<SendMessage>(*frame.command);
    EXPECT_EQ(send.text, "raw \xc3\xa9 utf8");
    EXPECT_EQ(send.targets, Targets{"ALL"});
}

TEST(Decode, RequestWinsOverMessageAsInTheOriginal) {
    auto both = decoded(R"({"user":"a","message":"x","dest":"b","request":"ClientList"})");
    ASSERT_TRUE(both.command);
    EXPECT_TRUE(std::holds_alternative<ListUsers>(*both.command));
}

TEST(Decode, UnknownRequestIsABadRequest) {
    auto e = refused(R"({"user":"a","request":"Other"})");
    EXPECT_EQ(e.code, ErrorCode::BadRequest);
    EXPECT_NE(e.text.find("Other"), std::string::npos) << e.text;
    EXPECT_EQ(refused(R"({"user":"a","request":"clientlist"})").code, ErrorCode::BadRequest);
    EXPECT_EQ(refused(R"({"user":"a","request":1})").code, ErrorCode::BadRequest);
    // An unknown request wins over a message too: nothing is sent.
    EXPECT_EQ(refused(R"({"user":"a","request":"Other","message":"x","dest":"b"})").code,
              ErrorCode::BadRequest);
}

TEST(Decode, BareUserOnlyRegisters) {
    auto bare = decoded(R"({"user":"r1"})");
    EXPECT_FALSE(bare.typed);
    EXPECT_EQ(bare.user, "r1");
    EXPECT_FALSE(bare.command);
    auto extra = decoded(R"({"user":"r1","what":"ever"})");
    EXPECT_FALSE(extra.command);
    EXPECT_EQ(refused(R"({})").code, ErrorCode::BadRequest);
    EXPECT_EQ(refused(R"({"what":"ever"})").code, ErrorCode::BadRequest);
}

TEST(Decode, OriginalMessageWithoutDestIsRefused) {
    // The original server dropped the connection (KeyError); we answer bad_request.
    auto e = refused(R"({"user": "alice", "message": "Hello Bob"})");
    EXPECT_EQ(e.code, ErrorCode::BadRequest);
    EXPECT_NE(e.text.find("dest"), std::string::npos) << e.text;
}

TEST(Decode, OriginalShapesWithoutUserStillDecode) {
    // Whether "user" is required is the session's decision (a hubchat connection may omit it).
    auto frame = decoded(R"({"message":"m","dest":"b"})");
    EXPECT_FALSE(frame.user);
    ASSERT_TRUE(frame.command);
    EXPECT_TRUE(std::holds_alternative<SendMessage>(*frame.command));
}

// ---- the hubchat dialect ---------------------------------------------------------------

TEST(Decode, Hello) {
    auto hello = decoded(R"({"type":"hello","name":"bob","protocol":1})");
    EXPECT_TRUE(hello.typed);
    EXPECT_TRUE(hello.hello);
    ASSERT_TRUE(hello.command);
    EXPECT_EQ(std::get<Hello>(*hello.command).name, "bob");
    auto no_protocol = decoded(R"({"type":"hello","name":"Zo\u00e9"})");
    EXPECT_TRUE(no_protocol.hello);
    EXPECT_EQ(std::get<Hello>(*no_protocol.command).name, "Zo\xc3\xa9");
    // The name is not validated here: the hub does that, the same way for every protocol.
    EXPECT_EQ(command<Hello>(R"({"type":"hello","name":""})").name, "");
}

TEST(Decode, OnlyHelloIsMarkedHello) {
    for (const char* text : {R"({"type":"message","dest":"b","message":"m"})", R"({"type":"ping"})",
                             R"({"user":"a","request":"ClientList"})"}) {
        EXPECT_FALSE(decoded(text).hello) << text;
    }
}

TEST(Decode, MessageWithAStringDest) {
    auto frame = decoded(R"({"type":"message","dest":"bob","message":"hi"})");
    EXPECT_TRUE(frame.typed);
    EXPECT_FALSE(frame.user);
    const auto& send = std::get<SendMessage>(*frame.command);
    EXPECT_EQ(send.targets, Targets{"bob"});
    EXPECT_EQ(send.text, "hi");
}

TEST(Decode, MessageWithACommaDestIsKeptWholeForTheHub) {
    // Splitting, trimming and de-duplication are the hub's job.
    EXPECT_EQ(
        command<SendMessage>(R"({"type":"message","dest":"bob, carol","message":"m"})").targets,
        Targets{"bob, carol"});
}

TEST(Decode, MessageWithAnArrayDest) {
    auto send = command<SendMessage>(
        R"({"type":"message","dest":["a","b,c","#r","ALL"],"message":"m","ref":"x1"})");
    EXPECT_EQ(send.targets, (Targets{"a", "b,c", "#r", "ALL"}));
    EXPECT_EQ(send.ref, R"("x1")");
    EXPECT_TRUE(command<SendMessage>(R"({"type":"message","dest":[],"message":"m"})")
                    .targets.empty());  // the hub answers "needs a recipient"
}

TEST(Decode, MessageFromAHubchatClientMayCarryItsUser) {
    auto frame = decoded(R"({"type":"message","user":"alice","dest":"b","message":"m"})");
    EXPECT_EQ(frame.user, "alice");
}

TEST(Decode, EmptyMessageIsLeftToTheHub) {
    EXPECT_EQ(command<SendMessage>(R"({"type":"message","dest":"b","message":""})").text, "");
}

TEST(Decode, ListRoomsJoinLeaveMembersPingQuit) {
    EXPECT_EQ(command<ListUsers>(R"({"type":"list","ref":7})").ref, "7");
    EXPECT_EQ(command<ListUsers>(R"({"type":"list"})").ref, "");
    EXPECT_EQ(command<ListRooms>(R"({"type":"rooms","ref":"r"})").ref, R"("r")");
    auto join = command<JoinRoom>(R"({"type":"join","room":"#r","ref":1})");
    EXPECT_EQ(join.room, "#r");
    EXPECT_EQ(join.ref, "1");
    auto leave = command<LeaveRoom>(R"({"type":"leave","room":"#r","ref":2})");
    EXPECT_EQ(leave.room, "#r");
    EXPECT_EQ(leave.ref, "2");
    auto members = command<ListMembers>(R"({"type":"members","room":"#r","ref":3})");
    EXPECT_EQ(members.room, "#r");
    EXPECT_EQ(members.ref, "3");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":5})").ref, "5");
    EXPECT_EQ(command<Ping>(R"({"type":"ping"})").ref, "");
    EXPECT_EQ(command<Quit>(R"({"type":"quit","message":"bye"})").reason, "bye");
    EXPECT_EQ(command<Quit>(R"({"type":"quit"})").reason, "");
}

TEST(Decode, RefIsEchoedAsJsonText) {
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":"c1"})").ref, R"("c1")");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":42})").ref, "42");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":-3})").ref, "-3");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":""})").ref, R"("")");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":"a\"b"})").ref, R"("a\"b")");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":18446744073709551615})").ref,
              "18446744073709551615");
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":-9223372036854775808})").ref,
              "-9223372036854775808");
}

TEST(Decode, RefOfAtMost64EncodedBytes) {
    // 62 characters + 2 quotes = 64 bytes: accepted; one more is refused.
    const std::string ok = R"({"type":"ping","ref":")" + std::string(62, 'r') + R"("})";
    EXPECT_EQ(command<Ping>(ok).ref, "\"" + std::string(62, 'r') + "\"");
    const std::string too_long = R"({"type":"ping","ref":")" + std::string(63, 'r') + R"("})";
    auto e = refused(too_long);
    EXPECT_EQ(e.code, ErrorCode::BadRequest);
    EXPECT_EQ(e.ref, "");  // not echoed: it is the problem
}

TEST(Decode, RefOfAnotherTypeIsRefused) {
    for (const char* text : {
             R"({"type":"ping","ref":[1]})", R"({"type":"ping","ref":{"a":1}})",
             R"({"type":"ping","ref":1.5})", R"({"type":"ping","ref":true})",
             R"({"type":"ping","ref":null})",
             R"({"type":"ping","ref":99999999999999999999})",  // beyond 64-bit: a double
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadRequest) << text;
    }
}

TEST(Decode, WrongFieldTypesAndMissingFieldsAreBadRequests) {
    for (const char* text : {
             R"({"type":"message","dest":"b","message":5})",
             R"({"type":"message","dest":"b","message":null})",
             R"({"type":"message","dest":"b","message":["m"]})",
             R"({"type":"message","dest":{"x":1},"message":"m"})",
             R"({"type":"message","dest":5,"message":"m"})",
             R"({"type":"message","dest":null,"message":"m"})",
             R"({"type":"message","dest":["a",2],"message":"m"})",
             R"({"type":"message","dest":[["a"]],"message":"m"})",
             R"({"type":"message","message":"m"})",
             R"({"type":"message","dest":"b"})",
             R"({"type":"hello"})",
             R"({"type":"hello","name":["x"]})",
             R"({"type":"hello","name":7})",
             R"({"type":"hello","name":"x","protocol":"one"})",
             R"({"type":"hello","name":"x","protocol":1.5})",
             R"({"type":"join"})",
             R"({"type":"join","room":1})",
             R"({"type":"leave"})",
             R"({"type":"members","room":null})",
             R"({"type":"quit","message":1})",
             R"({"type":3})",
             R"({"type":null})",
             R"({"type":["hello"]})",
             R"({"type":"teleport"})",
             R"({"type":"Hello","name":"x"})",
             R"({"type":""})",
             R"({"user":5,"request":"ClientList"})",
             R"({"user":null,"message":"m","dest":"b"})",
             R"({"user":["a"]})",
             R"({"type":"ping","user":5})",
             R"({"user":"a","message":7,"dest":"b"})",
             R"({"user":"a","message":"m","dest":{"to":"b"}})",
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadRequest) << text;
    }
}

TEST(Decode, ARefusedRequestStillEchoesItsRef) {
    // So the client can match the error to its request.
    EXPECT_EQ(refused(R"({"type":"message","dest":"b","message":5,"ref":9})").ref, "9");
    EXPECT_EQ(refused(R"({"type":"teleport","ref":"t"})").ref, R"("t")");
    EXPECT_EQ(refused(R"({"type":"join","ref":"j"})").ref, R"("j")");
    EXPECT_EQ(refused(R"({"type":"message","message":"m","ref":4})").ref, "4");
}

TEST(Decode, HugeNumbersAreJustWrongTypes) {
    for (const char* text : {
             R"({"type":"message","dest":"b","message":1e99999})",
             R"({"type":"message","dest":"b","message":-1e99999})",
             R"({"type":"message","dest":"b","message":123456789012345678901234567890})",
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadRequest) << text;
    }
    // Elsewhere in the frame they are ignored.
    EXPECT_TRUE(decoded(R"({"type":"ping","n":123456789012345678901234567890,"x":1e400})").command);
}

TEST(Decode, InvalidJsonIsBadJson) {
    for (const char* text : {
             R"({"type":"list",})",
             R"({"type":"list")",
             R"({"type")",
             R"({"a"})",
             R"({'type':'ping'})",
             R"({type:"ping"})",
             R"({"type":"ping"}{"type":"ping"})",
             R"({"type":"ping"} x)",
             R"({"type":"ping","n":NaN})",
             R"({"type":"ping","n":01})",
             "{\"type\":\"message\",\"dest\":\"b\",\"message\":\"line\nbreak\"}",  // raw control
             "",
             "   ",
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadJson) << testing::PrintToString(text);
    }
}

TEST(Decode, NonObjectsAreRefused) {
    for (const char* text : {"[1,2]", "\"hello\"", "42", "null"}) {
        auto e = refused(text);
        EXPECT_TRUE(e.code == ErrorCode::BadJson || e.code == ErrorCode::BadFrame) << text;
    }
}

TEST(Decode, WhitespaceAroundTheObjectIsFine) {
    EXPECT_TRUE(decoded(" \r\n\t{\"type\":\"ping\"}\r\n ").command);
}

TEST(Decode, InvalidUtf8IsBadJson) {
    for (const std::string& text : {
             std::string("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xc3\x28\"}"),
             std::string("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xed\xa0\x80\"}"),
             std::string("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xc0\xaf\"}"),
             std::string("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"\xff\"}"),
             std::string("{\"type\":\"message\",\"dest\":\"b\",\"message\":\"cut \xe2\x9c\"}"),
             std::string("{\"type\":\"hello\",\"name\":\"\xf4\x90\x80\x80\"}"),
             std::string("{\"type\":\"ping\",\"\xff\":1}"),  // in a key
             // Escaped lone surrogates would smuggle invalid UTF-8 into the text.
             std::string(R"({"type":"message","dest":"b","message":"\ud800"})"),
             std::string(R"({"type":"message","dest":"b","message":"\udc00x"})"),
             std::string(R"({"type":"message","dest":"b","message":"\ud83dx"})"),
         }) {
        EXPECT_EQ(refused(text).code, ErrorCode::BadJson) << testing::PrintToString(text);
    }
}

TEST(Decode, NestingUpTo32LevelsIsAccepted) {
    // The object itself is level 1; 31 arrays inside make 32 levels.
    const std::string depth32 =
        R"({"type":"ping","a":)" + std::string(31, '[') + std::string(31, ']') + "}";
    EXPECT_TRUE(decoded(depth32).command);
    const std::string depth33 =
        R"({"type":"ping","a":)" + std::string(32, '[') + std::string(32, ']') + "}";
    auto e = refused(depth33);
    EXPECT_EQ(e.code, ErrorCode::BadJson);
    const std::string objects = [] {
        std::string s = R"({"type":"ping","a":)";
        for (int i = 0; i < 40; ++i) s += R"({"b":)";
        s += "1";
        for (int i = 0; i < 40; ++i) s += "}";
        return s + "}";
    }();
    EXPECT_EQ(refused(objects).code, ErrorCode::BadJson);
    const std::string very_deep =
        R"({"a":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
    EXPECT_EQ(refused(very_deep).code, ErrorCode::BadJson);
}

TEST(Decode, EscapesAndNulAreText) {
    EXPECT_EQ(command<SendMessage>(
                  R"({"type":"message","dest":"b","message":"a\u0000b\n\t\/\u00e9\ud83d\ude00"})")
                  .text,
              std::string("a\0b\n\t/\xc3\xa9\xf0\x9f\x98\x80", 12));
    // A NUL in a name decodes too; the hub's name rules refuse it.
    EXPECT_EQ(command<Hello>(R"({"type":"hello","name":"a\u0000b"})").name, std::string("a\0b", 3));
}

TEST(Decode, LargeFramesDecodeWhole) {
    // Larger than the parser's per-thread arena, and several times in a row.
    const std::string text(60000, 'x');
    for (int i = 0; i < 3; ++i) {
        auto send =
            command<SendMessage>(R"({"type":"message","dest":"b","message":")" + text + R"("})");
        EXPECT_EQ(send.text, text);
    }
    EXPECT_EQ(command<Ping>(R"({"type":"ping","ref":1})").ref, "1");  // and small ones after
}

TEST(Decode, AFailedFrameDoesNotSpoilTheNext) {
    EXPECT_EQ(refused(R"({"type":"message","dest":"b","message":"unterminated)").code,
              ErrorCode::BadJson);
    EXPECT_EQ(command<SendMessage>(R"({"type":"message","dest":"b","message":"ok"})").text, "ok");
    // A parse that fails after building values (strings, arrays, a big string past the
    // reusable arena) leaves nothing behind for the next frame.
    EXPECT_EQ(refused(R"({"type":"message","dest":["a","b"],"message":")" +
                      std::string(20000, 'm') + R"(","x":[1,{"y":"z"},)")
                  .code,
              ErrorCode::BadJson);
    EXPECT_EQ(refused(R"({"type":"message","dest":["a","b"],"message":"m"} trailing)").code,
              ErrorCode::BadJson);
    auto send = command<SendMessage>(R"({"type":"message","dest":["c"],"message":"after"})");
    EXPECT_EQ(send.targets, Targets{"c"});
    EXPECT_EQ(send.text, "after");
}

// ---- the shortcut for plain chat frames -------------------------------------------

// Both of decode_client_frame's ways must give the same frame; the shortcut must be taken
// for the common chat frames (else it saves nothing) and never for anything else.
void expect_shortcut_agrees(std::string_view text) {
    const auto plain = detail::decode_plain_message(text);
    ASSERT_TRUE(plain.has_value()) << text << " did not take the shortcut";
    const auto full = detail::decode_with_parser(text);
    const auto* a = std::get_if<InboundFrame>(&*plain);
    const auto* b = std::get_if<InboundFrame>(&full);
    ASSERT_TRUE(a != nullptr && b != nullptr) << text;
    EXPECT_EQ(a->typed, b->typed) << text;
    EXPECT_EQ(a->user, b->user) << text;
    EXPECT_EQ(a->ref, b->ref) << text;
    EXPECT_FALSE(b->hello || b->password || b->history || b->create_account) << text;
    ASSERT_TRUE(a->command && b->command) << text;
    const auto& sa = std::get<SendMessage>(*a->command);
    const auto& sb = std::get<SendMessage>(*b->command);
    EXPECT_EQ(sa.targets, sb.targets) << text;
    EXPECT_EQ(sa.text, sb.text) << text;
    EXPECT_EQ(sa.ref, sb.ref) << text;
    // The shortcut reads only text no writer escapes, and says so.
    EXPECT_TRUE(sa.text_plain) << text;
    EXPECT_EQ(find_escape(sa.text, 0, JsonStyle::PythonAscii), sa.text.size()) << text;
}

TEST(DecodeShortcut, CommonChatFramesDecodeAsTheFullParserDoes) {
    for (
        const char* text : {
            R"({"type":"message","dest":"bob","message":"hi"})",
            R"({"type":"message","dest":["bob","carol"],"message":"hi all","ref":"c1"})",
            R"({"type":"message","dest":"#dev","message":"x","ref":42})",
            R"({"type":"message","dest":"ALL","message":"","ref":0})",
            R"({"type":"message","dest":[],"message":"nobody"})",
            R"({"message":"hi","dest":"bob","user":"alice"})",  // the original's shape
            R"({"user":"alice","message":"hi","dest":"bob","type":"message"})",
            R"( { "type" : "message" ,	"dest" : [ "a" , "b" ] , "message" : "s p a c e" } )",
            R"({"type":"message","dest":"bob","message":"{not: [json] here}/"})",
            R"({"type":"message","dest":"bob","message":"hi","ref":"12345678901234567890123456789012345678901234567890123456789012"})",  // 64 bytes quoted: the longest ref
        }) {
        expect_shortcut_agrees(text);
    }
}

TEST(DecodeShortcut, EverythingElseGoesToTheFullParser) {
    for (
        const char* text : {
            R"({"type":"message","dest":"bob","message":"caf\u00e9"})",             // an escape
            "{\"type\":\"message\",\"dest\":\"bob\",\"message\":\"caf\xc3\xa9\"}",  // UTF-8
            R"({"type":"message","dest":"bob","message":"hi","message":"twice"})",
            R"({"type":"message","dest":"bob","message":"hi","extra":1})",
            R"({"type":"message","dest":"bob","message":"hi","ref":true})",
            R"({"type":"message","dest":"bob","message":"hi","ref":-1})",
            R"({"type":"message","dest":"bob","message":"hi","ref":1.5})",
            R"({"type":"message","dest":"bob","message":"hi","ref":01})",
            R"({"type":"message","dest":"bob","message":"hi","ref":1234567890123456789})",
            R"({"type":"message","dest":"bob","message":"hi","ref":"1234567890123456789012345678901234567890123456789012345678901234"})",
            R"({"type":"message","dest":"bob"})",    // no text: an error, worded by the parser
            R"({"type":"message","message":"hi"})",  // no dest
            R"({"type":"message","dest":5,"message":"hi"})",
            R"({"type":"message","dest":["bob",5],"message":"hi"})",
            R"({"type":"join","room":"#dev"})",
            R"({"request":"ClientList","message":"hi","dest":"bob"})",
            R"({"type":"message","dest":"bob","message":"hi",})",
            R"({"type":"message","dest":"bob","message":"hi"} x)",
            "{\"type\":\"message\",\"dest\":\"bob\",\"message\":\"tab\there\"}",
        }) {
        EXPECT_FALSE(detail::decode_plain_message(text).has_value()) << text;
    }
}

// ---- the same shortcut on a stream, before framing ---------------------------------

// What JsonFramer cuts first from `input` (which starts with '{'), or nullopt.
std::optional<std::string_view> framer_cut(std::string_view input) {
    JsonFramer framer(1 << 20);
    const auto step = framer.next(input);
    if (step.kind != JsonFramer::Kind::Frame) return std::nullopt;
    return input.substr(0, step.consumed);
}

TEST(DecodePrefix, APlainFrameIsReadWhereTheFramerWouldCutItWithWhateverFollows) {
    for (const std::string frame : {
             R"({"type":"message","dest":"bob","message":"hi"})",
             R"({"type":"message","dest":["bob","carol"],"message":"hi all","ref":"c1"})",
             R"({"message":"hi","dest":"bob","user":"alice"})",  // the original's shape
             R"({ "type" : "message" ,	"dest" : [ ] , "message" : "{not: [json] here}" })",
             R"({"type":"message","dest":"#dev","message":"x","ref":42})",
         }) {
        for (const std::string after : {"", "\n", "{\"type\":\"ping\"}", "\r\n{\"mess", " x"}) {
            const std::string input = frame + after;
            InboundFrame decoded;
            const std::size_t length = read_plain_message_prefix(input, decoded);
            EXPECT_EQ(length, frame.size()) << input;
            EXPECT_EQ(framer_cut(input), std::string_view(frame)) << input;
            const auto full = decode_client_frame(frame);
            const auto* expected = std::get_if<InboundFrame>(&full);
            ASSERT_NE(expected, nullptr) << frame;
            ASSERT_TRUE(decoded.command && expected->command) << input;
            const auto& got = std::get<SendMessage>(*decoded.command);
            const auto& want = std::get<SendMessage>(*expected->command);
            EXPECT_EQ(got.targets, want.targets) << input;
            EXPECT_EQ(got.text, want.text) << input;
            EXPECT_EQ(got.ref, want.ref) << input;
            EXPECT_TRUE(got.text_plain) << input;
            EXPECT_EQ(decoded.user, expected->user) << input;
            EXPECT_EQ(decoded.typed, expected->typed) << input;
        }
    }
}

TEST(DecodePrefix, AnUnfinishedFrameIsLeftToTheFramerAtEveryCut) {
    const std::string frame =
        R"({"type":"message","dest":["bob","carol"],"message":"hi all","ref":17})";
    for (std::size_t cut = 0; cut < frame.size(); ++cut) {
        InboundFrame decoded;
        EXPECT_EQ(read_plain_message_prefix(std::string_view(frame).substr(0, cut), decoded), 0u)
            << cut;
    }
}

TEST(DecodePrefix, AnythingButAPlainMessageIsLeftToTheFramer) {
    for (const std::string& input : {
             std::string(
                 R"( {"type":"message","dest":"bob","message":"hi"})"),  // starts with space
             std::string(R"({"type":"message","dest":"bob","message":"caf\u00e9"})"),
             std::string("{\"type\":\"message\",\"dest\":\"bob\",\"message\":\"caf\xc3\xa9\"}"),
             std::string(R"({"type":"message","dest":"bob","message":"hi","extra":1})"),
             std::string(R"({"type":"message","dest":"bob"})"),  // an error: the parser words it
             std::string(R"({"type":"ping","ref":"p1"})"),
             std::string(R"({"type":"hello","name":"alice"})"),
             std::string(R"({"type":"message","dest":"bob","message":"hi",})"),
             std::string(R"(["type","message"])"),
             std::string("garbage\n"),
         }) {
        InboundFrame decoded;
        EXPECT_EQ(read_plain_message_prefix(input, decoded), 0u) << input;
    }
}

}  // namespace
}  // namespace hubchat::proto
