"""Channels: JOIN, PART, NAMES, TOPIC, LIST (RFC 1459 4.2, RFC 2812 3.2, Modern)."""

import re

from base import IrcTestCase, fresh_channel


def names_in(messages, channel):
    """The nicks of every RPL_NAMREPLY for channel, membership prefixes removed."""
    nicks = []
    for m in messages:
        if m.command == "353" and m.params[-2].lower() == channel.lower():
            nicks.extend(n.lstrip("~&@%+") for n in m.params[-1].split())
    return nicks


class Join(IrcTestCase):
    AREA = "join"

    def test_join_burst(self):
        # RFC 2812 3.2.1 / Modern: JOIN echoed to the joiner (source = its mask), then the
        # topic if any, then RPL_NAMREPLY (353) including the joiner, then 366.
        a = self.connect("jna")
        chan = fresh_channel()
        burst = self.join(a, chan)
        cmds = self.commands(burst)
        self.assertEqual(cmds[0], "JOIN", cmds)
        self.assertMessage(burst[0], "JOIN", prefix_params=[chan], nick=a.nick)
        self.assertRegex(burst[0].source, r"^[^!@]+!\S+@\S+$")
        self.assertIn("353", cmds)
        self.assertLess(cmds.index("353"), cmds.index("366"))
        self.assertIn(a.nick, names_in(burst, chan))
        end = burst[cmds.index("366")]
        self.assertMessage(end, "366", params=[a.nick, chan, None])
        self.assertNotIn("332", cmds, "RPL_TOPIC for a channel without topic")

    def test_join_seen_by_members(self):
        a = self.connect("jsa")
        b = self.connect("jsb")
        chan = fresh_channel()
        self.join(a, chan)
        a.sync()
        self.join(b, chan)
        self.assertMessage(a.wait_command("JOIN"), "JOIN", prefix_params=[chan], nick=b.nick)

    def test_names_on_join_list_both(self):
        a = self.connect("jba")
        b = self.connect("jbb")
        chan = fresh_channel()
        self.join(a, chan)
        burst = self.join(b, chan)
        self.assertEqual(sorted(names_in(burst, chan)), sorted([a.nick, b.nick]))

    def test_namreply_shape(self):
        a = self.connect("jsh")
        chan = fresh_channel()
        burst = self.join(a, chan)
        for m in burst:
            if m.command == "353":
                # 353 <client> <symbol> <channel> :[prefix]<nick>{ [prefix]<nick>}
                self.assertEqual(len(m.params), 4, m.raw)
                self.assertIn(m.params[1], ("=", "*", "@"), m.raw)
                self.assertFalse(m.params[-1].endswith(" "), "trailing space in " + m.raw)

    def test_join_channel_any_case(self):
        a = self.connect("jca")
        b = self.connect("jcb")
        chan = fresh_channel("Mix")
        self.join(a, chan)
        burst = self.join(b, chan.upper())
        self.assertIn(a.nick, names_in(burst, chan), "JOIN in another case is another channel")

    def test_join_several(self):
        a = self.connect("jmu")
        c1, c2 = fresh_channel(), fresh_channel()
        a.send(f"JOIN {c1},{c2}")
        joined = []
        while len(joined) < 2:
            joined.append(a.wait_command("JOIN").params[0].lower())
        self.assertEqual(sorted(joined), sorted([c1.lower(), c2.lower()]))

    def test_join_twice_is_harmless(self):
        a = self.connect("jtw")
        b = self.connect("jtx")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        b.send(f"JOIN {chan}")
        b.sync()
        self.assertNone(a.sync(), lambda m: m.command == "JOIN",
                        "a second JOIN by a member was announced again")

    def test_join_bad_name(self):
        a = self.connect("jbn")
        a.send("JOIN nochannelprefix")
        m = a.wait_for(lambda m: m.command.isdigit() or m.command == "JOIN",
                       what="an error numeric")
        self.assertIn(m.command, ("403", "476", "479"), m.raw)

    def test_join_needs_more_params(self):
        a = self.connect("jnp")
        a.send("JOIN")
        self.assertMessage(a.wait_command("461"), "461", prefix_params=[a.nick, "JOIN"])

    def test_member_gets_channel_messages_after_join(self):
        a = self.connect("jma")
        b = self.connect("jmb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        b.send(f"PRIVMSG {chan} :after join")
        self.assertMessage(a.wait_command("PRIVMSG"), "PRIVMSG", params=[chan, "after join"])


class Part(IrcTestCase):
    AREA = "part"

    def test_part_seen_by_self_and_members(self):
        a = self.connect("pta")
        b = self.connect("ptb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        a.send(f"PART {chan} :see you later")
        self.assertMessage(a.wait_command("PART"), "PART", params=[chan, "see you later"],
                           nick=a.nick)
        self.assertMessage(b.wait_command("PART"), "PART", params=[chan, "see you later"],
                           nick=a.nick)

    def test_part_without_reason(self):
        a = self.connect("pna")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"PART {chan}")
        m = a.wait_command("PART")
        self.assertEqual(m.params[0].lower(), chan.lower(), m.raw)

    def test_no_messages_after_part(self):
        a = self.connect("pma")
        b = self.connect("pmb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        b.send(f"PART {chan}")
        b.wait_command("PART")
        a.wait_command("PART")
        a.send(f"PRIVMSG {chan} :b has gone")
        a.sync()
        self.assertNone(b.sync(), lambda m: m.command == "PRIVMSG", "message after PART")

    def test_part_not_on_channel(self):
        a = self.connect("pno")
        b = self.connect("pnp")
        chan = fresh_channel()
        self.join(a, chan)
        b.send(f"PART {chan}")
        # ERR_NOTONCHANNEL (442) <client> <channel> :You're not on that channel
        self.assertMessage(b.wait_for(lambda m: m.command.isdigit() or m.command == "PART"),
                           "442", params=[b.nick, chan, None])
        self.assertNone(a.sync(), lambda m: m.command == "PART", "PART of a non-member shown")

    def test_part_nonexistent_channel(self):
        a = self.connect("pne")
        a.send(f"PART {fresh_channel('nx')}")
        m = a.wait_for(lambda m: m.command.isdigit() or m.command == "PART")
        self.assertIn(m.command, ("403", "442"), m.raw)

    def test_part_needs_more_params(self):
        a = self.connect("pnm")
        a.send("PART")
        self.assertMessage(a.wait_command("461"), "461", prefix_params=[a.nick, "PART"])

    def test_part_several(self):
        a = self.connect("pms")
        c1, c2 = fresh_channel(), fresh_channel()
        self.join(a, c1)
        self.join(a, c2)
        a.send(f"PART {c1},{c2} :both")
        parted = sorted(a.wait_command("PART").params[0].lower() for _ in range(2))
        self.assertEqual(parted, sorted([c1.lower(), c2.lower()]))


class Names(IrcTestCase):
    AREA = "names"

    def test_names_channel(self):
        a = self.connect("nma")
        b = self.connect("nmb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        a.send(f"NAMES {chan}")
        end = a.wait_command("366")
        before = a.take_all()
        self.assertEqual(sorted(names_in(before, chan)), sorted([a.nick, b.nick]))
        self.assertMessage(end, "366", params=[a.nick, chan, None])
        for m in before:
            if m.command == "353":
                self.assertMessage(m, "353", params=[a.nick, None, chan, None])
                self.assertIn(m.params[1], ("=", "*", "@"))

    def test_names_prefixes_from_isupport(self):
        a = self.connect("npa")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"NAMES {chan}")
        a.wait_command("366")
        symbols = re.sub(r"^\([^)]*\)", "", a.isupport.get("PREFIX", ""))
        for m in a.take_all():
            if m.command == "353":
                for entry in m.params[-1].split():
                    nick = entry.lstrip(symbols)
                    self.assertEqual(nick, a.nick, f"{entry!r}: unknown prefix? PREFIX="
                                     f"{a.isupport.get('PREFIX')}")

    def test_creator_is_channel_operator(self):
        # RFC 1459 1.3: "the channel is created and the creating user becomes a channel
        # operator"; NAMES shows it with the PREFIX symbol of +o ("@nick1 nick2" is what
        # the public conformance tests expect).
        a = self.connect("opa")
        b = self.connect("opb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send(f"NAMES {chan}")
        a.wait_command("366")
        entries = sorted(e for m in a.take_all() if m.command == "353"
                         for e in m.params[-1].split())
        self.assertEqual(entries, sorted(["@" + a.nick, b.nick]),
                         f"PREFIX={a.isupport.get('PREFIX')}")

    def test_names_nonexistent_channel(self):
        # Modern: one RPL_ENDOFNAMES with the given name, nothing else.
        a = self.connect("nne")
        chan = fresh_channel("nx")
        a.send(f"NAMES {chan}")
        self.assertMessage(a.wait_command("366", "353", "403"), "366", params=[a.nick, chan, None])

    def test_names_after_part(self):
        a = self.connect("nap")
        b = self.connect("naq")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        b.send(f"PART {chan}")
        a.wait_command("PART")
        a.send(f"NAMES {chan}")
        a.wait_command("366")
        self.assertEqual(names_in(a.take_all(), chan), [a.nick])

    def test_names_after_quit(self):
        a = self.connect("nqa")
        b = self.connect("nqb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        b.send("QUIT :bye")
        a.wait_command("QUIT")
        a.send(f"NAMES {chan}")
        a.wait_command("366")
        self.assertEqual(names_in(a.take_all(), chan), [a.nick])


class Topic(IrcTestCase):
    AREA = "topic"

    def test_set_topic_broadcast_and_query(self):
        a = self.connect("tpa")
        b = self.connect("tpb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        a.send(f"TOPIC {chan} :the topic here")
        self.assertMessage(a.wait_command("TOPIC", "482"), "TOPIC",
                           params=[chan, "the topic here"], nick=a.nick)
        self.assertMessage(b.wait_command("TOPIC"), "TOPIC", params=[chan, "the topic here"])
        b.send(f"TOPIC {chan}")
        self.assertMessage(b.wait_command("332", "331"), "332",
                           params=[b.nick, chan, "the topic here"])

    def test_topic_on_join(self):
        a = self.connect("tja")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"TOPIC {chan} :welcome all")
        a.wait_command("TOPIC", "482")
        b = self.connect("tjb")
        burst = self.join(b, chan)
        topics = [m for m in burst if m.command == "332"]
        self.assertEqual(len(topics), 1, self.commands(burst))
        self.assertMessage(topics[0], "332", params=[b.nick, chan, "welcome all"])
        cmds = self.commands(burst)
        self.assertLess(cmds.index("332"), cmds.index("353"))

    def test_no_topic(self):
        a = self.connect("tno")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"TOPIC {chan}")
        self.assertMessage(a.wait_command("331", "332"), "331", prefix_params=[a.nick, chan])

    def test_topic_not_on_channel(self):
        a = self.connect("tna")
        b = self.connect("tnb")
        chan = fresh_channel()
        self.join(a, chan)
        b.send(f"TOPIC {chan} :outsider")
        m = b.wait_for(lambda m: m.command.isdigit() or m.command == "TOPIC")
        self.assertMessage(m, "442", prefix_params=[b.nick, chan])

    def test_clear_topic(self):
        a = self.connect("tcl")
        chan = fresh_channel()
        self.join(a, chan)
        a.send(f"TOPIC {chan} :temporary")
        a.wait_command("TOPIC")
        a.send(f"TOPIC {chan} :")
        self.assertMessage(a.wait_command("TOPIC"), "TOPIC", params=[chan, ""])
        a.send(f"TOPIC {chan}")
        self.assertMessage(a.wait_command("331", "332"), "331")


class List(IrcTestCase):
    AREA = "list"

    def test_list_shows_channel(self):
        a = self.connect("lsa")
        b = self.connect("lsb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.send(f"TOPIC {chan} :listed topic")
        a.wait_command("TOPIC")
        a.send("LIST")
        end = a.wait_command("323")
        entries = [m for m in a.take_all() if m.command == "322"]
        mine = [m for m in entries if m.params[1].lower() == chan.lower()]
        self.assertEqual(len(mine), 1, [m.raw for m in entries])
        # 322 <client> <channel> <client count> :<topic>
        self.assertMessage(mine[0], "322", params=[a.nick, chan, "2", None])
        self.assertTrue(mine[0].params[3].endswith("listed topic"), mine[0].raw)
        self.assertEqual(end.params[0], a.nick)

    def test_list_one_channel(self):
        a = self.connect("loa")
        c1, c2 = fresh_channel(), fresh_channel()
        self.join(a, c1)
        self.join(a, c2)
        a.send(f"LIST {c1}")
        a.wait_command("323")
        listed = [m.params[1].lower() for m in a.take_all() if m.command == "322"]
        self.assertEqual(listed, [c1.lower()])
