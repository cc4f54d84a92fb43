"""PRIVMSG and NOTICE: RFC 1459 4.4, RFC 2812 3.3, Modern "PRIVMSG message"."""

from base import IrcTestCase, fresh, fresh_channel


def privmsgs(messages, command="PRIVMSG"):
    return [m for m in messages if m.command == command]


class Messages(IrcTestCase):
    AREA = "messages"

    def test_privmsg_to_nick(self):
        a = self.connect("pma")
        b = self.connect("pmb")
        a.send(f"PRIVMSG {b.nick} :hello there, b")
        m = b.wait_command("PRIVMSG")
        self.assertMessage(m, "PRIVMSG", params=[b.nick, "hello there, b"], nick=a.nick)
        self.assertRegex(m.source, r"^[^!@]+!\S+@\S+$", "source should be nick!user@host")
        self.assertNone(a.sync(), lambda m: m.command == "PRIVMSG" or m.command.isdigit(),
                        "the sender got a reply to a successful PRIVMSG")

    def test_notice_to_nick(self):
        a = self.connect("nta")
        b = self.connect("ntb")
        a.send(f"NOTICE {b.nick} :notice text")
        self.assertMessage(b.wait_command("NOTICE"), "NOTICE", params=[b.nick, "notice text"],
                           nick=a.nick)

    def test_privmsg_to_nick_other_case(self):
        a = self.connect("pca")
        b = self.connect("Pcb")
        a.send(f"PRIVMSG {b.nick.upper()} :any case")
        m = b.wait_command("PRIVMSG")
        self.assertEqual(m.params[1], "any case", m.raw)

    def test_privmsg_to_channel(self):
        a = self.connect("cha")
        b = self.connect("chb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        a.send(f"PRIVMSG {chan} :hello channel")
        self.assertMessage(b.wait_command("PRIVMSG"), "PRIVMSG",
                           params=[chan, "hello channel"], nick=a.nick)
        # Without echo-message the sender does not get its own message back.
        self.assertNone(a.sync(), lambda m: m.command == "PRIVMSG", "own message echoed")

    def test_notice_to_channel(self):
        a = self.connect("nca")
        b = self.connect("ncb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send(f"NOTICE {chan} :channel notice")
        self.assertMessage(b.wait_command("NOTICE"), "NOTICE", params=[chan, "channel notice"])

    def test_privmsg_to_target_list(self):
        a = self.connect("tla")
        b = self.connect("tlb")
        c = self.connect("tlc")
        targmax = dict(item.split(":", 1) for item in
                       a.isupport.get("TARGMAX", "").split(",") if ":" in item)
        if targmax.get("PRIVMSG", "") == "1":
            self.skipTest("TARGMAX says PRIVMSG takes one target")
        a.send(f"PRIVMSG {b.nick},{c.nick} :to both")
        self.assertMessage(b.wait_command("PRIVMSG"), "PRIVMSG", prefix_params=[None, "to both"])
        self.assertMessage(c.wait_command("PRIVMSG"), "PRIVMSG", prefix_params=[None, "to both"])

    def test_privmsg_to_channel_and_nick_list(self):
        a = self.connect("mxa")
        b = self.connect("mxb")
        c = self.connect("mxc")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send(f"PRIVMSG {chan},{c.nick} :mixed")
        self.assertMessage(b.wait_command("PRIVMSG"), "PRIVMSG", params=[chan, "mixed"])
        self.assertMessage(c.wait_command("PRIVMSG"), "PRIVMSG", params=[c.nick, "mixed"])

    def test_target_list_with_unknown_nick(self):
        a = self.connect("tua")
        b = self.connect("tub")
        missing = fresh("nob")
        a.send(f"PRIVMSG {missing},{b.nick} :partly")
        self.assertMessage(a.wait_command("401"), "401", prefix_params=[a.nick, missing])
        self.assertMessage(b.wait_command("PRIVMSG"), "PRIVMSG", params=[b.nick, "partly"])

    def test_text_with_colons_and_spaces(self):
        a = self.connect("txa")
        b = self.connect("txb")
        text = ":) two  spaces : and a colon  "
        a.send(f"PRIVMSG {b.nick} :{text}")
        self.assertEqual(b.wait_command("PRIVMSG").params, [b.nick, text])

    def test_single_word_without_colon(self):
        a = self.connect("swa")
        b = self.connect("swb")
        a.send(f"PRIVMSG {b.nick} word")
        self.assertEqual(b.wait_command("PRIVMSG").params, [b.nick, "word"])

    def test_long_message_intact(self):
        a = self.connect("lga")
        b = self.connect("lgb")
        text = "x" * 300 + " end"
        a.send(f"PRIVMSG {b.nick} :{text}")
        self.assertEqual(b.wait_command("PRIVMSG").params[1], text)

    def test_utf8_text(self):
        a = self.connect("u8a")
        b = self.connect("u8b")
        text = "héllo wörld ✓ 🚀"
        a.send(f"PRIVMSG {b.nick} :{text}")
        self.assertEqual(b.wait_command("PRIVMSG").params[1], text)

    def test_no_such_nick(self):
        a = self.connect("nsn")
        missing = fresh("gon")
        a.send(f"PRIVMSG {missing} :anyone?")
        # 401 <client> <nickname> :No such nick/channel
        self.assertMessage(a.wait_command("401"), "401", params=[a.nick, missing, None])

    def test_no_such_channel(self):
        a = self.connect("nsc")
        a.send(f"PRIVMSG {fresh_channel('nx')} :anyone?")
        m = a.wait_for(lambda m: m.command.isdigit(), what="an error numeric")
        self.assertIn(m.command, ("401", "403", "404"), m.raw)

    def test_no_recipient(self):
        a = self.connect("nre")
        a.send("PRIVMSG")
        m = a.wait_command("411", "461")
        self.assertMessage(m, "411", prefix_params=[a.nick],
                           why="ERR_NORECIPIENT for a PRIVMSG without target")

    def test_no_text_to_send(self):
        a = self.connect("nte")
        b = self.connect("ntf")
        a.send(f"PRIVMSG {b.nick}")
        # No text parameter at all: ERR_NOTEXTTOSEND (RFC 2812), or ERR_NEEDMOREPARAMS.
        self.assertIn(a.wait_command("412", "461").command, ("412", "461"))
        a.send(f"PRIVMSG {b.nick} :")
        self.assertMessage(a.wait_command("412", "461"), "412", prefix_params=[a.nick])
        self.assertNone(b.sync(), lambda m: m.command == "PRIVMSG", "empty message delivered")

    def test_message_from_outside_channel(self):
        # RFC 2812 3.3.1 / 5.2: from outside a +n channel the sender gets
        # ERR_CANNOTSENDTOCHAN (404) and members get nothing; a channel without +n takes it.
        # Either way it is never silently dropped.
        a = self.connect("cna")
        b = self.connect("cnb")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"MODE {chan}")
        modes = [m for m in a.sync() if m.command == "324"]
        no_external = not modes or "n" in modes[0].params[2]
        b.send(f"PRIVMSG {chan} :from outside")
        replies = [m for m in b.sync() if m.command.isdigit()]
        delivered = [m for m in a.sync() if m.command == "PRIVMSG"]
        if replies:
            self.assertMessage(replies[0], "404", params=[b.nick, chan, None])
            self.assertEqual(delivered, [], "refused with 404 yet delivered")
            self.assertTrue(no_external, "404 on a channel without +n")
        else:
            self.assertTrue(delivered, "message from outside neither delivered nor refused"
                            + self.conversation())
            self.assertFalse(modes and "n" in modes[0].params[2], "+n channel took it")

    def test_notice_gets_no_error_reply(self):
        # RFC 2812 3.3.2: servers MUST NOT send any error reply back on receipt of a notice.
        a = self.connect("nne")
        a.send(f"NOTICE {fresh('non')} :nobody")
        self.assertNone(a.sync(), lambda m: m.command.isdigit(),
                        "error reply to a NOTICE for an unknown nick")

    def test_notice_to_missing_channel_gets_no_reply(self):
        a = self.connect("nnc")
        a.send(f"NOTICE {fresh_channel('nx')} :nobody here")
        self.assertNone(a.sync(), lambda m: m.command.isdigit(),
                        "error reply to a NOTICE for a channel that does not exist")

    def test_message_to_self(self):
        a = self.connect("slf")
        a.send(f"PRIVMSG {a.nick} :note to self")
        self.assertMessage(a.wait_command("PRIVMSG"), "PRIVMSG", params=[a.nick, "note to self"])
