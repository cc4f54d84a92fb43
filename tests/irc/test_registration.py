"""Connection registration: RFC 1459 4.1, RFC 2812 3.1, Modern "Connection Registration"
and "Feature Advertisement", IRCv3 capability negotiation."""

import re

from base import IrcTestCase, fresh


class Registration(IrcTestCase):
    AREA = "registration"

    def test_welcome_burst_in_order(self):
        # Modern: "the server MUST send RPL_WELCOME, RPL_YOURHOST, RPL_CREATED, RPL_MYINFO,
        # and at least one RPL_ISUPPORT numeric", in that order, to the registered nick.
        c = self.connect("reg")
        numerics = [m for m in c.registration if m.command.isdigit()]
        order = [m.command for m in numerics if m.command in ("001", "002", "003", "004", "005")]
        self.assertEqual(order[:4], ["001", "002", "003", "004"], self.conversation())
        self.assertIn("005", order, self.conversation())
        for m in numerics:
            self.assertEqual(m.params[0], c.nick, f"numeric not addressed to the nick: {m.raw}")
        myinfo = next(m for m in numerics if m.command == "004")
        # 004 <client> <servername> <version> <available user modes> <available channel modes>
        self.assertGreaterEqual(len(myinfo.params), 5, myinfo.raw)

    def test_isupport_core_tokens(self):
        c = self.connect("isup")
        isupport_lines = [m for m in c.registration if m.command == "005"]
        for m in isupport_lines:
            # 005 <client> <1-13 tokens> :are supported by this server
            self.assertGreaterEqual(len(m.params), 3, m.raw)
            self.assertLessEqual(len(m.params), 15, m.raw)
        self.assertIn("#", c.isupport.get("CHANTYPES", ""), c.isupport)
        self.assertIn(c.isupport.get("CASEMAPPING", "").lower(),
                      ("ascii", "rfc1459", "strict-rfc1459", "rfc7613", "rfc3454"), c.isupport)
        for key in ("NICKLEN", "CHANNELLEN"):
            self.assertRegex(c.isupport.get(key, ""), r"^[0-9]+$", f"{key} in {c.isupport}")
        if "PREFIX" in c.isupport and c.isupport["PREFIX"]:
            self.assertRegex(c.isupport["PREFIX"], r"^\(([a-zA-Z]*)\)(\S*)$")
            modes, symbols = re.match(r"^\((\S*)\)(\S*)$", c.isupport["PREFIX"]).groups()
            self.assertEqual(len(modes), len(symbols), c.isupport["PREFIX"])
        if "TARGMAX" in c.isupport:
            for item in c.isupport["TARGMAX"].split(","):
                self.assertRegex(item, r"^[A-Z]+:[0-9]*$", c.isupport["TARGMAX"])

    def test_isupport_prefix_conventions(self):
        # Modern (PREFIX): modes in descending order of privilege, one symbol each; by
        # convention o is @ and v is +, and a server with prefixes has both.
        c = self.connect("pfx")
        prefix = c.isupport.get("PREFIX", "")
        if not prefix:
            self.skipTest("no channel membership prefixes")
        found = re.match(r"^\(([a-zA-Z]+)\)(\S+)$", prefix)
        self.assertTrue(found, prefix)
        modes, symbols = found.groups()
        self.assertEqual(len(modes), len(symbols), prefix)
        mapping = dict(zip(modes, symbols))
        self.assertEqual(mapping.get("o"), "@", prefix)
        self.assertEqual(mapping.get("v"), "+", prefix)
        self.assertLess(modes.index("o"), modes.index("v"), prefix)

    def test_motd_or_no_motd_and_lusers(self):
        # Modern: after RPL_ISUPPORT the server SHOULD send LUSERS and MUST send the MOTD
        # (375/372/376) or ERR_NOMOTD (422).
        c = self.connect("motd")
        cmds = self.commands(c.registration)
        self.assertTrue("376" in cmds or "422" in cmds, cmds)
        if "376" in cmds:
            self.assertIn("375", cmds)
        self.assertIn("251", cmds, "RPL_LUSERCLIENT missing from registration")

    def test_user_before_nick(self):
        c = self.new_client()
        nick = fresh("ubn")
        c.send("USER ubn 0 * :User first")
        c.send(f"NICK {nick}")
        c.finish_registration(nick)
        self.assertEqual(c.nick, nick)

    def test_pass_before_nick_user(self):
        # A server without a connection password ignores PASS sent at the right time.
        c = self.new_client()
        nick = fresh("pas")
        c.send("PASS whatever")
        c.send(f"NICK {nick}")
        c.send("USER pas 0 * :With PASS")
        c.finish_registration(nick)

    def test_reregistration_refused(self):
        # ERR_ALREADYREGISTRED (462) for USER and PASS once registered.
        c = self.connect("rer")
        c.send("USER again 0 * :Again")
        self.assertMessage(c.wait_command("462"), prefix_params=[c.nick])
        c.send("PASS again")
        self.assertMessage(c.wait_command("462"), prefix_params=[c.nick])

    def test_nick_in_use(self):
        first = self.connect("dup")
        c = self.new_client()
        c.send(f"NICK {first.nick}")
        c.send("USER dup 0 * :Duplicate")
        m = c.wait_command("433", "001")
        # 433 <client> <nick> :Nickname is already in use  (client is * before registration)
        self.assertMessage(m, "433", prefix_params=["*", first.nick])
        # The connection stays usable: another nick completes registration.
        other = fresh("dup")
        c.send(f"NICK {other}")
        c.finish_registration(other)

    def test_nick_in_use_other_case(self):
        first = self.connect("Case")
        c = self.new_client()
        c.send(f"NICK {first.nick.upper()}")
        c.send("USER cas 0 * :Other case")
        self.assertMessage(c.wait_command("433", "001"), "433",
                           why="nicks are unique whatever their case")

    def test_nick_in_use_after_registration(self):
        a = self.connect("ina")
        b = self.connect("inb")
        b.send(f"NICK {a.nick}")
        self.assertMessage(b.wait_command("433", "NICK"), "433", prefix_params=[b.nick, a.nick])

    def test_erroneous_nick(self):
        c = self.new_client()
        for bad in ("#chan", "1digit", "a,b", "-dash"):
            c.send(f"NICK {bad}")
            m = c.wait_command("432", "001", "433")
            self.assertMessage(m, "432", why=f"NICK {bad}")
            self.assertEqual(m.params[0], "*", m.raw)
        nick = fresh("ok")
        c.send(f"NICK {nick}")
        c.send("USER ok 0 * :Fine now")
        c.finish_registration(nick)

    def test_no_nickname_given(self):
        c = self.connect("nonk")
        c.send("NICK")
        m = c.wait_command("431", "461")
        self.assertEqual(m.params[0], c.nick, m.raw)

    def test_user_needs_more_params(self):
        c = self.new_client()
        c.send("USER onlyone")
        self.assertMessage(c.wait_command("461", "001"), "461", prefix_params=[None, "USER"])

    def test_empty_username_or_realname(self):
        # Modern: <username> and <realname> must not be empty; ERR_NEEDMOREPARAMS (461)
        # even when an empty parameter is given.
        c = self.new_client()
        c.send(f"NICK {fresh('emp')}")
        c.send("USER emp 0 * :")
        self.assertMessage(c.wait_command("461", "001"), "461", prefix_params=[None, "USER"])

    def test_simultaneous_registration_same_nick(self):
        # Two connections registering the same nick at once: exactly one gets it.
        nick = fresh("race")
        one, two = self.new_client(), self.new_client()
        for c in (one, two):
            c.send(f"NICK {nick}")
        for c in (one, two):
            c.send("USER race 0 * :Race")
        outcomes = [c.wait_command("001", "433", "436").command for c in (one, two)]
        self.assertEqual(sorted(outcomes), ["001", "433"], outcomes)

    def test_command_before_registration(self):
        # ERR_NOTREGISTERED (451) for a command that needs registration; the connection
        # can still register afterwards.
        c = self.new_client()
        c.send("PRIVMSG somebody :too early")
        self.assertMessage(c.wait_command("451", "001"), "451")
        c.send("JOIN #early")
        self.assertMessage(c.wait_command("451", "001"), "451")
        nick = fresh("erl")
        c.send(f"NICK {nick}")
        c.send("USER erl 0 * :Late")
        c.finish_registration(nick)

    def test_unknown_command(self):
        c = self.connect("unk")
        c.send("FROBNICATE now")
        m = c.wait_command("421")
        self.assertMessage(m, "421", prefix_params=[c.nick, "FROBNICATE"])

    def test_nick_change_seen_by_self_and_channel(self):
        a = self.connect("nca")
        b = self.connect("ncb")
        from base import fresh_channel
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        new = fresh("ncn")
        old = a.nick
        a.send(f"NICK {new}")
        self.assertMessage(a.wait_command("NICK"), "NICK", params=[new], nick=old)
        self.assertMessage(b.wait_command("NICK"), "NICK", params=[new], nick=old)
        # The new nick is the one messages reach.
        b.send(f"PRIVMSG {new} :after rename")
        self.assertMessage(a.wait_command("PRIVMSG"), "PRIVMSG", params=[new, "after rename"])


class CapabilityNegotiation(IrcTestCase):
    AREA = "registration"

    def test_cap_ls_302(self):
        c = self.new_client()
        c.send("CAP LS 302")
        m = c.wait_command("CAP")
        # CAP * LS [*] :caps  ("*" as the nick before registration)
        self.assertMessage(m, "CAP", prefix_params=["*", "LS"])

    def test_cap_ls_without_version_has_no_values(self):
        # Capability values are only for clients that said 302.
        c = self.new_client()
        c.send("CAP LS")
        m = c.wait_command("CAP")
        self.assertNotEqual(m.params[2], "*", "multi-line LS to a 3.1 client: " + m.raw)
        self.assertFalse([cap for cap in m.params[-1].split() if "=" in cap], m.raw)

    def test_cap_holds_registration_until_end(self):
        c = self.new_client()
        c.cap_ls()
        nick = fresh("cap")
        c.send(f"NICK {nick}")
        c.send("USER cap 0 * :Negotiating")
        c.send("CAP LIST")
        # The LIST reply must come while registration is still held.
        first = c.wait_command("CAP", "001")
        self.assertMessage(first, "CAP", prefix_params=[None, "LIST"],
                           why="001 sent before CAP END")
        c.send("CAP END")
        c.finish_registration(nick)

    def test_cap_list_empty(self):
        c = self.new_client()
        c.send("CAP LIST")
        self.assertMessage(c.wait_command("CAP"), "CAP", params=["*", "LIST", ""])

    def test_cap_req_unknown_is_nak(self):
        c = self.new_client()
        c.cap_ls()
        c.send("CAP REQ :no-such-capability-here")
        self.assertMessage(c.wait_command("CAP"), "CAP",
                           params=["*", "NAK", "no-such-capability-here"])
        nick = fresh("nak")
        c.send(f"NICK {nick}")
        c.send("USER nak 0 * :Nak")
        c.send("CAP END")
        c.finish_registration(nick)

    def test_cap_req_is_all_or_nothing(self):
        # IRCv3: a REQ is accepted or refused as a whole; the NAK repeats the list as sent.
        c = self.new_client()
        offered = c.cap_ls()
        known = next((k for k in ("multi-prefix", "server-time", "message-tags") if k in offered),
                     None)
        if known is None:
            self.skipTest("none of multi-prefix, server-time, message-tags offered")
        c.send(f"CAP REQ :zzz-unknown {known} yyy-unknown")
        self.assertMessage(c.wait_command("CAP"), "CAP",
                           params=["*", "NAK", f"zzz-unknown {known} yyy-unknown"])
        c.send("CAP LIST")
        self.assertMessage(c.wait_command("CAP"), "CAP", params=["*", "LIST", ""],
                           why="a refused REQ enabled something")

    def test_cap_req_removal(self):
        c = self.new_client()
        offered = c.cap_ls()
        pair = [k for k in ("server-time", "multi-prefix", "message-tags") if k in offered][:2]
        if len(pair) < 2:
            self.skipTest("fewer than two of server-time, multi-prefix, message-tags offered")
        self.assertTrue(c.cap_req(pair))
        c.send(f"CAP REQ :-{pair[1]}")
        m = c.wait_command("CAP")
        self.assertMessage(m, "CAP", params=["*", "ACK", f"-{pair[1]}"])
        c.send("CAP LIST")
        self.assertEqual(c.wait_command("CAP").params[-1].split(), [pair[0]])

    def test_cap_req_ack_then_list(self):
        c = self.new_client()
        offered = c.cap_ls()
        if not offered:
            self.skipTest("no capabilities offered")
        cap = sorted(k for k in offered if k not in ("sasl",))[0]
        self.assertTrue(c.cap_req([cap]), c.recent())
        c.send("CAP LIST")
        m = c.wait_command("CAP")
        self.assertIn(cap, m.params[-1].split(), m.raw)

    def test_cap_after_registration(self):
        c = self.connect("capr")
        c.send("CAP LS 302")
        m = c.wait_command("CAP")
        self.assertMessage(m, "CAP", prefix_params=[c.nick, "LS"])
