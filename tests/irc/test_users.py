"""Who is who: WHO (and WHOX), WHOIS, AWAY (RFC 1459 4.5, RFC 2812 3.6, Modern, IRCv3
WHOX)."""

from base import IrcTestCase, fresh, fresh_channel


class Who(IrcTestCase):
    AREA = "who"

    def setUp(self):
        super().setUp()
        self.a = self.connect("wha", user="whouser", realname="Who Real Name")
        self.b = self.connect("whb")
        self.chan = fresh_channel()
        self.join(self.a, self.chan)
        self.join(self.b, self.chan)
        self.a.sync()

    def who(self, client, mask, extra=""):
        client.send(f"WHO {mask}{' ' + extra if extra else ''}")
        end = client.wait_command("315")
        return client.take_all(), end

    def check_reply(self, reply, asker, channel, nick, flags_start):
        # 352 <client> <channel> <username> <host> <server> <nick> <flags> :<hopcount> <realname>
        self.assertMessage(reply, "352", params=[asker, channel, None, None, None, nick, None,
                                                 None])
        self.assertTrue(reply.params[6].startswith(flags_start), reply.raw)
        self.assertRegex(reply.params[7], r"^[0-9]+ ")

    def test_who_channel(self):
        replies, end = self.who(self.b, self.chan)
        rows = sorted((m for m in replies if m.command == "352"), key=lambda m: m.params[5])
        self.assertEqual(sorted(m.params[5] for m in rows), sorted([self.a.nick, self.b.nick]),
                         [m.raw for m in replies])
        for m in rows:
            self.check_reply(m, self.b.nick, self.chan, m.params[5], "H")
        mine = next(m for m in rows if m.params[5] == self.a.nick)
        self.assertIn("whouser", mine.params[2])
        self.assertTrue(mine.params[7].endswith("Who Real Name"), mine.raw)
        # 315 <client> <mask> :End of WHO list -- the mask exactly as sent.
        self.assertMessage(end, "315", params=[self.b.nick, self.chan, None])

    def test_who_nick(self):
        replies, end = self.who(self.b, self.a.nick)
        rows = [m for m in replies if m.command == "352"]
        self.assertEqual(len(rows), 1, [m.raw for m in replies])
        self.assertEqual(rows[0].params[5], self.a.nick)
        self.assertMessage(end, "315", params=[self.b.nick, self.a.nick, None])

    def test_who_nick_other_case(self):
        replies, end = self.who(self.b, self.a.nick.upper())
        rows = [m for m in replies if m.command == "352"]
        self.assertEqual([m.params[5] for m in rows], [self.a.nick])
        self.assertEqual(end.params[1], self.a.nick.upper())

    def test_who_star(self):
        # Modern: a mask matches nicks; "*" matches everyone visible. Both of us, once
        # each, and 315 with the mask as sent.
        replies, end = self.who(self.b, "*")
        nicks = [m.params[5] for m in replies if m.command == "352"]
        self.assertIn(self.a.nick, nicks)
        self.assertIn(self.b.nick, nicks)
        self.assertEqual(len(nicks), len(set(n.lower() for n in nicks)), nicks)
        self.assertMessage(end, "315", params=[self.b.nick, "*", None])

    def test_who_nonexistent(self):
        missing = fresh("nob")
        replies, end = self.who(self.b, missing)
        self.assertEqual([m.raw for m in replies if m.command == "352"], [])
        self.assertMessage(end, "315", params=[self.b.nick, missing, None])

    def test_who_away_flag(self):
        self.a.send("AWAY :lunch")
        self.a.wait_command("306")
        replies, _ = self.who(self.b, self.chan)
        row = next(m for m in replies if m.command == "352" and m.params[5] == self.a.nick)
        self.assertTrue(row.params[6].startswith("G"), row.raw)

    def test_whox(self):
        if "WHOX" not in self.b.isupport:
            self.skipTest("no WHOX in ISUPPORT")
        # Fields in the order of the spec whatever the order asked: t c u h n f a r.
        replies, end = self.who(self.b, self.a.nick, "%tnfcuhar,77")
        rows = [m for m in replies if m.command == "354"]
        self.assertEqual(len(rows), 1, [m.raw for m in replies])
        row = rows[0]
        # 354 <client> <token> <channel> <user> <host> <nick> <flags> <account> :<realname>
        self.assertEqual(len(row.params), 9, row.raw)
        self.assertEqual(row.params[0], self.b.nick)
        self.assertEqual(row.params[1], "77")
        self.assertIn(row.params[2].lower(), (self.chan.lower(), "*"), row.raw)
        self.assertIn("whouser", row.params[3])
        self.assertEqual(row.params[5], self.a.nick)
        self.assertTrue(row.params[6].startswith("H"), row.raw)
        self.assertEqual(row.params[7], "0", "account of a user not logged in: " + row.raw)
        self.assertEqual(row.params[8], "Who Real Name")
        self.assertMessage(end, "315", params=[self.b.nick, self.a.nick, None])

    def test_whox_nick_only(self):
        if "WHOX" not in self.b.isupport:
            self.skipTest("no WHOX in ISUPPORT")
        replies, _ = self.who(self.b, self.chan, "%n")
        rows = sorted(m.params[1] for m in replies if m.command == "354")
        self.assertEqual(rows, sorted([self.a.nick, self.b.nick]))


class Whois(IrcTestCase):
    AREA = "whois"

    def test_whois(self):
        a = self.connect("wia", user="wiuser", realname="Whois Real")
        b = self.connect("wib")
        chan = fresh_channel()
        self.join(a, chan)
        b.send(f"WHOIS {a.nick}")
        end = b.wait_command("318")
        replies = b.take_all()
        user = [m for m in replies if m.command == "311"]
        self.assertEqual(len(user), 1, [m.raw for m in replies])
        # 311 <client> <nick> <username> <host> * :<realname>
        self.assertMessage(user[0], "311", params=[b.nick, a.nick, None, None, "*", "Whois Real"])
        self.assertIn("wiuser", user[0].params[2])
        self.assertIn("312", self.commands(replies))
        chans = [m for m in replies if m.command == "319"]
        self.assertTrue(chans and any(c.lstrip("~&@%+").lower() == chan.lower()
                                      for m in chans for c in m.params[-1].split()),
                        [m.raw for m in replies])
        self.assertMessage(end, "318", params=[b.nick, a.nick, None])

    def test_whois_other_case(self):
        a = self.connect("Wic")
        b = self.connect("wid")
        b.send(f"WHOIS {a.nick.lower()}")
        b.wait_command("318")
        self.assertIn("311", self.commands(b.take_all()))

    def test_whois_unknown(self):
        b = self.connect("wiu")
        missing = fresh("nob")
        b.send(f"WHOIS {missing}")
        self.assertMessage(b.wait_command("401", "311"), "401", params=[b.nick, missing, None])

    def test_whois_needs_nick(self):
        b = self.connect("win")
        b.send("WHOIS")
        self.assertIn(b.wait_command("431", "461").command, ("431", "461"))


class Away(IrcTestCase):
    AREA = "away"

    def test_away_and_back(self):
        a = self.connect("awa")
        a.send("AWAY :gone fishing")
        self.assertMessage(a.wait_command("306"), "306", prefix_params=[a.nick])
        a.send("AWAY")
        self.assertMessage(a.wait_command("305"), "305", prefix_params=[a.nick])

    def test_privmsg_to_away_user_answers_301(self):
        a = self.connect("awb")
        b = self.connect("awc")
        a.send("AWAY :gone fishing")
        a.wait_command("306")
        b.send(f"PRIVMSG {a.nick} :are you there?")
        # RPL_AWAY (301) <client> <nick> :<message>, and the message is still delivered.
        self.assertMessage(b.wait_command("301"), "301", params=[b.nick, a.nick, "gone fishing"])
        self.assertMessage(a.wait_command("PRIVMSG"), "PRIVMSG",
                           params=[a.nick, "are you there?"])

    def test_whois_shows_away(self):
        a = self.connect("awd")
        b = self.connect("awe")
        a.send("AWAY :in a meeting")
        a.wait_command("306")
        b.send(f"WHOIS {a.nick}")
        b.wait_command("318")
        away = [m for m in b.take_all() if m.command == "301"]
        self.assertEqual(len(away), 1)
        self.assertEqual(away[0].params, [b.nick, a.nick, "in a meeting"])

    def test_back_means_no_301(self):
        a = self.connect("awf")
        b = self.connect("awg")
        a.send("AWAY :brb")
        a.wait_command("306")
        a.send("AWAY")
        a.wait_command("305")
        b.send(f"PRIVMSG {a.nick} :back?")
        a.wait_command("PRIVMSG")
        self.assertNone(b.sync(), lambda m: m.command == "301", "301 for a user who is back")

    def test_userhost_shows_away(self):
        # RPL_USERHOST (302): nick[*]=+host while here, =-host while away.
        a = self.connect("awu")
        b = self.connect("awv")
        b.send(f"USERHOST {a.nick}")
        m = b.wait_command("302")
        self.assertEqual(m.params[0], b.nick, m.raw)
        self.assertRegex(m.params[-1].strip(), rf"^{a.nick}\*?=\+\S+$")
        a.send("AWAY :elsewhere")
        a.wait_command("306")
        b.send(f"USERHOST {a.nick}")
        self.assertRegex(b.wait_command("302").params[-1].strip(), rf"^{a.nick}\*?=-\S+$")
