"""Shared scaffolding for the conformance tests: which server, fresh names, clients that
are closed after each test, and assertions on numerics that print the conversation."""

import itertools
import os
import random
import unittest

from irc_client import IrcClient, ConnectionClosed  # noqa: F401  (re-exported for tests)

HOST = os.environ.get("IRC_HOST", "127.0.0.1")
PORT = int(os.environ.get("IRC_PORT", "6667"))
# SASL credentials of an existing account ("account:password"); SASL tests skip without.
SASL = os.environ.get("IRC_SASL", "")
# Seconds after which the server pings an idle client (and closes it if it stays silent
# as long again); the ping-timeout test is skipped when unset.
PING_TIMEOUT = float(os.environ.get("IRC_PING_TIMEOUT", "0"))

# Nicks and channels unique per run and test (servers may keep a nick reserved briefly,
# and a run may follow another against the same server). At most 9 characters: RFC 1459's
# NICKLEN, which some servers still use by default.
_counter = itertools.count(random.randrange(100, 600) * 100)


def fresh(prefix):
    return f"{prefix[:4]}{next(_counter)}"


def fresh_channel(prefix="c"):
    return f"#{prefix[:4]}{next(_counter)}"


class IrcTestCase(unittest.TestCase):
    """AREA names the row of the conformance table a test class counts towards."""

    AREA = "misc"
    maxDiff = None

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            if not c.closed:
                try:
                    c.send("QUIT :test over")
                except (ConnectionClosed, OSError):
                    pass
            c.close()

    # --- clients ---------------------------------------------------------------------

    def new_client(self, name=None, **kw):
        c = IrcClient(HOST, PORT, name=name or f"client{len(self.clients) + 1}", **kw)
        self.clients.append(c)
        return c

    def connect(self, prefix="u", caps=(), **kw):
        """A registered client with a fresh nick (client.nick)."""
        answer_pings = kw.pop("answer_pings", True)
        c = self.new_client(name=prefix, answer_pings=answer_pings)
        c.registration = c.register(fresh(prefix), caps=caps, **kw)
        return c

    def join(self, client, channel):
        """JOIN and wait for the end of the NAMES burst; returns the burst (the JOIN echo,
        topic and names), leaving nothing in the inbox."""
        client.send(f"JOIN {channel}")
        burst = client.collect_until(
            lambda m: m.command in ("366", "403", "405", "471", "473", "474", "475", "476", "479"),
            what=f"end of JOIN {channel}")
        burst.extend(client.sync())
        return burst

    def require_cap(self, client, cap):
        if not client.caps_available:
            client.cap_ls()
        if cap not in client.caps_available:
            self.skipTest(f"server does not offer the {cap} capability")

    def offered_caps(self):
        """CAP LS 302 on a throwaway connection."""
        probe = self.new_client(name="probe")
        caps = probe.cap_ls()
        probe.send("QUIT")
        return caps

    def skip_unless_caps(self, *caps):
        offered = self.offered_caps()
        missing = [c for c in caps if c not in offered]
        if missing:
            self.skipTest(f"server does not offer {', '.join(missing)}")
        return offered

    # --- assertions ------------------------------------------------------------------

    def conversation(self):
        return "".join(f"\n  [{c.name} {c.nick or ''}]{c.recent(15)}" for c in self.clients)

    def assertMessage(self, msg, command=None, params=None, nick=None, prefix_params=None,
                      why=""):
        """params: the exact list; prefix_params: only the first len(...) params; None in
        either matches anything."""
        problems = []
        if command is not None and msg.command != command:
            problems.append(f"command {msg.command!r}, expected {command!r}")
        if params is not None:
            if len(msg.params) != len(params) or any(
                    p is not None and p != q for p, q in zip(params, msg.params)):
                problems.append(f"params {msg.params!r}, expected {params!r}")
        if prefix_params is not None:
            if len(msg.params) < len(prefix_params) or any(
                    p is not None and p != q for p, q in zip(prefix_params, msg.params)):
                problems.append(f"params {msg.params!r}, expected to start with {prefix_params!r}")
        if nick is not None and (msg.nick or "").lower() != nick.lower():
            problems.append(f"source {msg.source!r}, expected the nick {nick!r}")
        if problems:
            self.fail(f"{why + ': ' if why else ''}{'; '.join(problems)} in {msg.raw!r}"
                      f"{self.conversation()}")

    def assertNone(self, messages, predicate, why):
        bad = [m for m in messages if predicate(m)]
        if bad:
            self.fail(f"{why}: {[m.raw for m in bad]}{self.conversation()}")

    def commands(self, messages):
        return [m.command for m in messages]
