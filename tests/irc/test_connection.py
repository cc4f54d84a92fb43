"""Staying connected and leaving: QUIT, ERROR, PING/PONG, ping timeout (RFC 1459 4.1.6
and 4.6, RFC 2812 3.1.7 and 3.7, Modern)."""

from base import IrcTestCase, PING_TIMEOUT, fresh, fresh_channel


class Quit(IrcTestCase):
    AREA = "quit"

    def test_quit_seen_by_channel_members(self):
        a = self.connect("qta")
        b = self.connect("qtb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        b.send("QUIT :time to go")
        m = a.wait_command("QUIT")
        self.assertEqual(m.nick, b.nick, m.raw)
        self.assertEqual(len(m.params), 1, m.raw)
        self.assertIn("time to go", m.params[0])

    def test_quit_answered_with_error_and_close(self):
        # RFC 2812 3.1.7: the server acknowledges QUIT with ERROR and closes the link.
        a = self.connect("qte")
        a.send("QUIT :bye")
        rest = a.wait_closed()
        self.assertIn("ERROR", self.commands(rest), [m.raw for m in rest])

    def test_quit_without_reason(self):
        a = self.connect("qna")
        b = self.connect("qnb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        b.send("QUIT")
        self.assertEqual(a.wait_command("QUIT").nick, b.nick)

    def test_disconnect_without_quit_seen_as_quit(self):
        a = self.connect("qda")
        b = self.connect("qdb")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        a.sync()
        b.close()
        self.assertEqual(a.wait_command("QUIT").nick, b.nick)

    def test_nick_free_after_quit(self):
        a = self.connect("qfa")
        nick = a.nick
        a.send("QUIT")
        a.wait_closed()
        again = self.new_client()
        again.register(nick)
        self.assertEqual(again.nick, nick)

    def test_quit_seen_once_by_member_of_two_shared_channels(self):
        a = self.connect("q2a")
        b = self.connect("q2b")
        c1, c2 = fresh_channel(), fresh_channel()
        for chan in (c1, c2):
            self.join(a, chan)
            self.join(b, chan)
        a.sync()
        b.send("QUIT :once")
        a.wait_command("QUIT")
        self.assertNone(a.sync(), lambda m: m.command == "QUIT", "QUIT shown twice")

    def test_error_before_registration_quit(self):
        a = self.new_client()
        a.send(f"NICK {fresh('qpr')}")
        a.send("QUIT")
        rest = a.wait_closed()
        self.assertIn("ERROR", self.commands(rest))


class Ping(IrcTestCase):
    AREA = "ping"

    def test_ping_pong(self):
        a = self.connect("pga")
        a.send("PING :abc def")
        m = a.wait_command("PONG")
        # PONG <server> <token>
        self.assertEqual(m.params[-1], "abc def", m.raw)
        self.assertEqual(len(m.params), 2, m.raw)
        self.assertEqual(m.params[0], a.server_name, m.raw)

    def test_ping_simple_token(self):
        a = self.connect("pgb")
        a.send("PING token123")
        self.assertEqual(a.wait_command("PONG").params[-1], "token123")

    def test_ping_without_token(self):
        a = self.connect("pgn")
        a.send("PING")
        m = a.wait_for(lambda m: m.command in ("409", "461", "PONG"), what="409 or 461")
        self.assertIn(m.command, ("409", "461"), m.raw)
        self.assertEqual(m.params[0], a.nick, m.raw)

    def test_pong_from_client_is_silent(self):
        a = self.connect("pgs")
        a.send("PONG :nothing asked")
        self.assertNone(a.sync(), lambda m: m.command.isdigit(), "reply to an unasked PONG")

    def test_ping_timeout(self):
        if not PING_TIMEOUT:
            self.skipTest("IRC_PING_TIMEOUT not set")
        a = self.connect("pto", answer_pings=False)
        b = self.connect("ptp")
        chan = fresh_channel()
        self.join(a, chan)
        self.join(b, chan)
        # An idle client is pinged, and a client that never answers is closed with ERROR;
        # the others see it QUIT. b keeps reading (and answering its own pings) meanwhile.
        import time
        deadline = time.monotonic() + 6 * PING_TIMEOUT + 10
        while not a.closed and time.monotonic() < deadline:
            a._read_some(time.monotonic() + 0.2)
            b._read_some(time.monotonic() + 0.2)
        self.assertTrue(a.closed, "a client that never answers PING is still connected"
                        + self.conversation())
        rest = a.take_all()
        self.assertIn("PING", [line.split(" ")[0] if not line.startswith(":") else
                               line.split(" ")[1] for d, line in a.log if d == "<"])
        self.assertIn("ERROR", self.commands(rest), [m.raw for m in rest])
        self.assertEqual(b.wait_command("QUIT", timeout=5).nick, a.nick)

    def test_answered_pings_keep_connection(self):
        if not PING_TIMEOUT:
            self.skipTest("IRC_PING_TIMEOUT not set")
        a = self.connect("pka")
        # Answering the server's pings (the client does it by itself) keeps the link: after
        # three timeouts it is still registered and answering.
        import time
        deadline = time.monotonic() + 3 * PING_TIMEOUT
        while time.monotonic() < deadline:
            a.sync(timeout=PING_TIMEOUT + 5)
            a._read_some(min(deadline, time.monotonic() + PING_TIMEOUT / 2))
        self.assertFalse(a.closed)
        a.sync()


class LineLength(IrcTestCase):
    """Not a core area: the peers differ (InspIRCd cuts long lines, ngIRCd disconnects)."""

    AREA = "limits"

    def test_line_at_length_limit(self):
        # 510 bytes plus CR LF is a legal line (RFC 1459 2.3): answered, even though the
        # PONG may be cut to fit.
        a = self.connect("pgl")
        line = "PING " + "x" * 505
        self.assertEqual(len(line), 510)
        a.send(line)
        self.assertIn("x" * 400, a.wait_command("PONG").params[-1])

    def test_line_over_length_limit(self):
        # Modern: ERR_INPUTTOOLONG (417) for a longer line, and the connection stays.
        a = self.connect("pgo")
        a.send("PING " + "x" * 600)
        m = a.wait_for(lambda m: m.command in ("417", "PONG"), what="417")
        self.assertMessage(m, "417", prefix_params=[a.nick])
        a.sync()
