"""IRCv3 extensions, each tested only where the server offers it (ircv3.net/irc):
message-tags, server-time, msgid, echo-message, multi-prefix, away-notify, account-tag,
SASL PLAIN (needs IRC_SASL=account:password) and CHATHISTORY."""

import re

from base import SASL, IrcTestCase, fresh, fresh_channel
from irc_client import authenticate_plain

TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class MessageTags(IrcTestCase):
    AREA = "message-tags"

    def test_client_tag_relayed_to_tag_aware_only(self):
        self.skip_unless_caps("message-tags")
        a = self.connect("mta", caps=["message-tags"])
        b = self.connect("mtb", caps=["message-tags"])
        c = self.connect("mtc")
        chan = fresh_channel()
        for x in (a, b, c):
            self.join(x, chan)
        a.send(f"@+example.com/mood=happy\\sday;+plain PRIVMSG {chan} :tagged")
        m = b.wait_command("PRIVMSG")
        self.assertEqual(m.tags.get("+example.com/mood"), "happy day", m.raw)
        self.assertIn("+plain", m.tags, m.raw)
        plain = c.wait_command("PRIVMSG")
        self.assertFalse([k for k in plain.tags if k.startswith("+")],
                         "client tags sent to a client without message-tags: " + plain.raw)

    def test_tagmsg(self):
        self.skip_unless_caps("message-tags")
        a = self.connect("tga", caps=["message-tags"])
        b = self.connect("tgb", caps=["message-tags"])
        c = self.connect("tgc")
        chan = fresh_channel()
        for x in (a, b, c):
            self.join(x, chan)
        a.send(f"@+typing=active TAGMSG {chan}")
        m = b.wait_command("TAGMSG")
        self.assertEqual(m.params, [chan])
        self.assertEqual(m.tags.get("+typing"), "active")
        self.assertNone(c.sync(), lambda m: m.command == "TAGMSG", "TAGMSG to a client without tags")

    def test_msgid_unique(self):
        self.skip_unless_caps("message-tags")
        a = self.connect("mia")
        b = self.connect("mib", caps=["message-tags"])
        a.send(f"PRIVMSG {b.nick} :one")
        a.send(f"PRIVMSG {b.nick} :two")
        first, second = b.wait_command("PRIVMSG"), b.wait_command("PRIVMSG")
        if "msgid" not in first.tags:
            self.skipTest("no msgid on messages")
        self.assertTrue(first.tags["msgid"] and second.tags["msgid"])
        self.assertNotEqual(first.tags["msgid"], second.tags["msgid"])

    def test_tag_data_too_long(self):
        # Client tag data is limited to 4094 bytes: ERR_INPUTTOOLONG (417) and not relayed.
        self.skip_unless_caps("message-tags")
        a = self.connect("tla", caps=["message-tags"])
        b = self.connect("tlb", caps=["message-tags"])
        a.send("@+big=" + "a" * 5000 + f" PRIVMSG {b.nick} :huge tags")
        self.assertMessage(a.wait_command("417"), "417")
        self.assertNone(b.sync(), lambda m: m.command == "PRIVMSG", "oversized tags relayed")


class ServerTime(IrcTestCase):
    AREA = "server-time"

    def test_time_tag(self):
        self.skip_unless_caps("server-time")
        a = self.connect("sta")
        b = self.connect("stb", caps=["server-time"])
        a.send(f"PRIVMSG {b.nick} :what time is it")
        m = b.wait_command("PRIVMSG")
        self.assertRegex(m.tags.get("time", ""), TIME_RE, m.raw)

    def test_no_time_tag_without_cap(self):
        self.skip_unless_caps("server-time")
        a = self.connect("stc")
        b = self.connect("std")
        a.send(f"PRIVMSG {b.nick} :untimed")
        m = b.wait_command("PRIVMSG")
        self.assertEqual(m.tags, {}, m.raw)


class EchoMessage(IrcTestCase):
    AREA = "echo-message"

    def test_echo_channel_and_private(self):
        self.skip_unless_caps("echo-message")
        a = self.connect("eca", caps=["echo-message", "message-tags", "server-time"])
        b = self.connect("ecb", caps=["message-tags"])
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send(f"PRIVMSG {chan} :echo me")
        echo = a.wait_command("PRIVMSG")
        self.assertMessage(echo, "PRIVMSG", params=[chan, "echo me"], nick=a.nick)
        got = b.wait_command("PRIVMSG")
        if "msgid" in echo.tags:
            self.assertEqual(echo.tags["msgid"], got.tags.get("msgid"),
                             "the echo and the delivery must carry the same msgid")
        a.send(f"NOTICE {b.nick} :echo notice")
        self.assertMessage(a.wait_command("NOTICE"), "NOTICE", params=[b.nick, "echo notice"])


class MultiPrefix(IrcTestCase):
    AREA = "multi-prefix"

    def test_names_with_multi_prefix(self):
        self.skip_unless_caps("multi-prefix")
        a = self.connect("mpa", caps=["multi-prefix"])
        chan = fresh_channel()
        burst = self.join(a, chan)
        symbols = re.sub(r"^\([^)]*\)", "", a.isupport.get("PREFIX", ""))
        entries = [e for m in burst if m.command == "353" for e in m.params[-1].split()]
        self.assertEqual([e.lstrip(symbols) for e in entries], [a.nick])
        # Prefixes, when several, in the PREFIX order (highest first).
        for e in entries:
            prefix = e[:len(e) - len(e.lstrip(symbols))]
            self.assertEqual(list(prefix), sorted(prefix, key=symbols.index), e)


class AwayNotify(IrcTestCase):
    AREA = "away-notify"

    def test_away_notify(self):
        self.skip_unless_caps("away-notify")
        a = self.connect("ana")
        b = self.connect("anb", caps=["away-notify"])
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send("AWAY :out for lunch")
        a.wait_command("306")
        self.assertMessage(b.wait_command("AWAY"), "AWAY", params=["out for lunch"], nick=a.nick)
        a.send("AWAY")
        a.wait_command("305")
        self.assertMessage(b.wait_command("AWAY"), "AWAY", params=[], nick=a.nick)

    def test_no_away_without_cap(self):
        self.skip_unless_caps("away-notify")
        a = self.connect("anc")
        b = self.connect("and")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send("AWAY :quiet")
        a.wait_command("306")
        self.assertNone(b.sync(), lambda m: m.command == "AWAY", "AWAY without away-notify")


def sasl_credentials(test):
    if not SASL or ":" not in SASL:
        test.skipTest("IRC_SASL=account:password not given")
    return SASL.split(":", 1)


class Sasl(IrcTestCase):
    AREA = "sasl"

    def test_sasl_plain_success(self):
        offered = self.skip_unless_caps("sasl")
        if offered["sasl"] and "PLAIN" not in offered["sasl"].split(","):
            self.skipTest("PLAIN not among " + offered["sasl"])
        account, password = sasl_credentials(self)
        c = self.new_client()
        c.cap_ls()
        self.assertTrue(c.cap_req(["sasl"]))
        c.send(f"NICK {fresh('sas')}")
        c.send("USER sas 0 * :Sasl")
        authenticate_plain(c, account, password)
        logged_in = [m for m in c.take_all() if m.command == "900"]
        self.assertTrue(logged_in, "RPL_LOGGEDIN (900) before 903")
        # 900 <client> <nick!user@host> <account> :You are now logged in as <account>
        self.assertEqual(logged_in[0].params[2], account, logged_in[0].raw)
        c.send("CAP END")
        c.finish_registration(c.nick or "")

    def test_sasl_plain_wrong_password(self):
        self.skip_unless_caps("sasl")
        account, password = sasl_credentials(self)
        c = self.new_client()
        c.cap_ls()
        c.cap_req(["sasl"])
        c.send(f"NICK {fresh('sbd')}")
        c.send("USER sbd 0 * :Sasl")
        c.send("AUTHENTICATE PLAIN")
        c.wait_for(lambda m: m.command == "AUTHENTICATE")
        import base64
        blob = base64.b64encode(f"{account}\0{account}\0{password}-wrong".encode()).decode()
        c.send(f"AUTHENTICATE {blob}")
        self.assertMessage(c.wait_command("903", "904"), "904")
        # Registration can still complete, as a guest.
        c.send("CAP END")
        c.finish_registration("")

    def test_sasl_abort(self):
        self.skip_unless_caps("sasl")
        c = self.new_client()
        c.cap_ls()
        c.cap_req(["sasl"])
        c.send("AUTHENTICATE PLAIN")
        c.wait_for(lambda m: m.command == "AUTHENTICATE")
        c.send("AUTHENTICATE *")
        self.assertMessage(c.wait_command("906", "904"), "906")


class AccountTag(IrcTestCase):
    AREA = "account-tag"

    def test_account_tag(self):
        self.skip_unless_caps("account-tag", "sasl")
        account, password = sasl_credentials(self)
        a = self.connect("ata", sasl=(account, password))
        b = self.connect("atb", caps=["account-tag"])
        c = self.connect("atc")
        a.send(f"PRIVMSG {b.nick} :from an account")
        self.assertEqual(b.wait_command("PRIVMSG").tags.get("account"), account)
        c.send(f"PRIVMSG {b.nick} :from a guest")
        self.assertNotIn("account", b.wait_command("PRIVMSG").tags)


class ChatHistory(IrcTestCase):
    AREA = "chathistory"

    def history_client(self, prefix, sasl=None):
        offered = self.offered_caps()
        cap = next((c for c in ("draft/chathistory", "chathistory") if c in offered), None)
        if cap is None:
            self.skipTest("no (draft/)chathistory capability")
        caps = [cap, "batch", "server-time", "message-tags"]
        return self.connect(prefix, caps=[c for c in caps if c in offered], sasl=sasl)

    def read_batch(self, client):
        start = client.wait_for(lambda m: m.command == "BATCH" and m.params
                                and m.params[0].startswith("+"), what="BATCH +")
        ref = start.params[0][1:]
        self.assertEqual(start.params[1], "chathistory", start.raw)
        end = client.wait_for(lambda m: m.command == "BATCH" and m.params == ["-" + ref],
                              what="BATCH -" + ref)
        del end
        inside = [m for m in client.take_all() if m.tags.get("batch") == ref]
        return start, inside

    def test_latest_in_channel(self):
        b = self.history_client("chb")
        a = self.connect("cha")
        chan = fresh_channel()
        self.join(a, chan)
        for i in range(3):
            a.send(f"PRIVMSG {chan} :history {i}")
        a.sync()
        self.join(b, chan)
        b.send(f"CHATHISTORY LATEST {chan} * 10")
        start, inside = self.read_batch(b)
        self.assertEqual(start.params[2].lower(), chan.lower(), start.raw)
        texts = [m.params[1] for m in inside if m.command == "PRIVMSG"]
        self.assertEqual(texts, ["history 0", "history 1", "history 2"])
        for m in inside:
            if m.command == "PRIVMSG":
                self.assertEqual(m.nick, a.nick)
                self.assertRegex(m.tags.get("time", ""), TIME_RE)

    def test_before_msgid_or_timestamp(self):
        b = self.history_client("chc")
        a = self.connect("chd")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        for i in range(4):
            a.send(f"PRIVMSG {chan} :n{i}")
        got = [b.wait_command("PRIVMSG") for _ in range(4)]
        anchor = got[2]
        ref = (f"msgid={anchor.tags['msgid']}" if "msgid" in anchor.tags
               else f"timestamp={anchor.tags['time']}")
        b.send(f"CHATHISTORY BEFORE {chan} {ref} 10")
        _, inside = self.read_batch(b)
        self.assertEqual([m.params[1] for m in inside if m.command == "PRIVMSG"], ["n0", "n1"])

    def test_private_history(self):
        # Logged in: a server may keep conversations' history for accounts only.
        b = self.history_client("che", sasl=tuple(sasl_credentials(self)))
        a = self.connect("chf")
        a.send(f"PRIVMSG {b.nick} :private one")
        b.wait_command("PRIVMSG")
        b.send(f"CHATHISTORY LATEST {a.nick} * 10")
        _, inside = self.read_batch(b)
        self.assertEqual([m.params[1] for m in inside if m.command == "PRIVMSG"], ["private one"])
