"""A small, strict IRC client for conformance tests (Python standard library only).

It parses what the server sends (IRCv3 tags, source, command, parameters) without
repairing anything, answers the server's PINGs (unless told not to, for the ping-timeout
test) and waits on conditions with deadlines: a test never sleeps for a fixed time to let
a server catch up. "Everything the server had to say so far" is obtained with a PING
round trip (`sync`): a server handles one client's commands in order, so every reply to
an earlier command arrives before the PONG.
"""

import os
import socket
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = float(os.environ.get("IRC_TIMEOUT", "5"))

_TAG_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}


def unescape_tag_value(raw):
    """Message-tags value unescaping (ircv3 message-tags: a trailing lone backslash is
    dropped, an unknown escape stands for the character itself)."""
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\":
            if i + 1 < len(raw):
                out.append(_TAG_UNESCAPES.get(raw[i + 1], raw[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def escape_tag_value(value):
    return (value.replace("\\", "\\\\").replace(";", "\\:").replace(" ", "\\s")
            .replace("\r", "\\r").replace("\n", "\\n"))


@dataclass
class Message:
    tags: dict = field(default_factory=dict)
    source: str = None
    command: str = ""
    params: list = field(default_factory=list)
    raw: str = ""

    @property
    def nick(self):
        """The nick of a nick!user@host source (or the whole source)."""
        if self.source is None:
            return None
        return self.source.split("!", 1)[0].split("@", 1)[0]

    def __str__(self):
        return self.raw


def parse_line(line):
    """Parses one line (without CR LF) as RFC 1459 + IRCv3 message-tags describe it."""
    raw = line
    tags = {}
    if line.startswith("@"):
        tag_text, _, line = line[1:].partition(" ")
        for item in tag_text.split(";"):
            if not item:
                continue
            key, eq, value = item.partition("=")
            tags[key] = unescape_tag_value(value) if eq else ""
        line = line.lstrip(" ")
    source = None
    if line.startswith(":"):
        source, _, line = line[1:].partition(" ")
        line = line.lstrip(" ")
    params = []
    command, _, rest = line.partition(" ")
    while rest:
        rest = rest.lstrip(" ")
        if not rest:
            break
        if rest.startswith(":"):
            params.append(rest[1:])
            break
        param, _, rest = rest.partition(" ")
        params.append(param)
    return Message(tags=tags, source=source, command=command.upper(), params=params, raw=raw)


class ConnectionClosed(Exception):
    pass


class IrcClient:
    def __init__(self, host, port, name="client", answer_pings=True, timeout=DEFAULT_TIMEOUT):
        self.name = name
        self.timeout = timeout
        self.answer_pings = answer_pings
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.inbox = []  # parsed messages received and not yet taken
        self.closed = False
        self.nick = None
        self.isupport = {}
        self.caps_available = {}
        self.caps_enabled = set()
        self.server_name = None
        self._sync_counter = 0
        self.log = []  # (direction, line) for failure reports

    # --- sending -------------------------------------------------------------------

    def send(self, line):
        self.log.append((">", line))
        data = line.encode("utf-8", "surrogateescape") + b"\r\n"
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise ConnectionClosed(f"{self.name}: connection closed while sending {line!r}") from e

    def send_raw(self, data):
        self.log.append((">", repr(data)))
        self.sock.sendall(data)

    # --- receiving -----------------------------------------------------------------

    def _read_some(self, deadline):
        if self.closed:
            raise ConnectionClosed(f"{self.name}: connection closed")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return True
        self.buffer += data
        while True:
            i = self.buffer.find(b"\n")
            if i < 0:
                break
            raw, self.buffer = self.buffer[:i], self.buffer[i + 1:]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            text = raw.decode("utf-8", "replace")
            self.log.append(("<", text))
            msg = parse_line(text)
            if msg.command == "PING" and self.answer_pings:
                # The server checking we are alive: answered at once, never shown to tests.
                self.send("PONG :" + (msg.params[-1] if msg.params else ""))
                continue
            self.inbox.append(msg)
        return True

    def _wait_index(self, predicate, timeout, what):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        checked = 0
        while True:
            for i in range(checked, len(self.inbox)):
                if predicate(self.inbox[i]):
                    return i
            checked = len(self.inbox)
            if self.closed:
                raise ConnectionClosed(
                    f"{self.name}: server closed the connection while waiting for {what}; "
                    f"received: {self.recent()}")
            if not self._read_some(deadline) and time.monotonic() >= deadline:
                raise AssertionError(
                    f"{self.name}: no {what} within {self.timeout if timeout is None else timeout} s; "
                    f"received: {self.recent()}")

    def wait_for(self, predicate, timeout=None, what="a matching message"):
        """Returns (and removes from the inbox) the first message matching predicate,
        reading until it arrives; fails after timeout seconds or when the server closes."""
        return self.inbox.pop(self._wait_index(predicate, timeout, what))

    def collect_until(self, predicate, timeout=None, what="a matching message"):
        """Every message up to and including the first one matching predicate, in arrival
        order (all removed from the inbox)."""
        i = self._wait_index(predicate, timeout, what)
        taken, self.inbox = self.inbox[:i + 1], self.inbox[i + 1:]
        return taken

    def wait_command(self, *commands, timeout=None):
        return self.wait_for(lambda m: m.command in commands, timeout, what="/".join(commands))

    def wait_closed(self, timeout=None):
        """Reads until the server closes the connection; returns everything received."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.closed:
            if not self._read_some(deadline) and time.monotonic() >= deadline:
                raise AssertionError(f"{self.name}: connection still open after {timeout} s; "
                                     f"received: {self.recent()}")
        taken, self.inbox = self.inbox, []
        return taken

    def sync(self, timeout=None):
        """Everything the server sent in reply to what was sent so far: a PING round trip.
        Returns those messages (the inbox is emptied)."""
        self._sync_counter += 1
        token = f"sync{self._sync_counter}x{id(self) % 10000}"
        self.send(f"PING {token}")
        self.wait_for(lambda m: m.command == "PONG" and m.params and m.params[-1] == token,
                      timeout, what=f"PONG {token}")
        # wait_for removed the PONG; whatever came before it is the reply.
        taken, self.inbox = self.inbox, []
        return taken

    def take_all(self):
        taken, self.inbox = self.inbox, []
        return taken

    def recent(self, n=25):
        return "\n    " + "\n    ".join(f"{d} {line}" for d, line in self.log[-n:])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True

    # --- registration --------------------------------------------------------------

    def cap_ls(self):
        """CAP LS 302 (before registration): fills caps_available (name -> value)."""
        self.send("CAP LS 302")
        while True:
            m = self.wait_for(lambda m: m.command == "CAP" and len(m.params) >= 3
                              and m.params[1].upper() == "LS", what="CAP LS reply")
            more = len(m.params) >= 4 and m.params[2] == "*"
            for item in m.params[-1].split():
                key, _, value = item.partition("=")
                self.caps_available[key] = value
            if not more:
                return self.caps_available

    def cap_req(self, caps):
        """Requests caps; returns True on ACK (and records them), False on NAK."""
        self.send("CAP REQ :" + " ".join(caps))
        m = self.wait_for(lambda m: m.command == "CAP" and len(m.params) >= 3
                          and m.params[1].upper() in ("ACK", "NAK"), what="CAP ACK/NAK")
        if m.params[1].upper() == "ACK":
            for c in m.params[-1].split():
                if c.startswith("-"):
                    self.caps_enabled.discard(c[1:])
                else:
                    self.caps_enabled.add(c)
            return True
        return False

    def register(self, nick, caps=(), user=None, realname=None, password=None, sasl=None):
        """Registers nick; caps are requested with CAP LS 302/REQ/END if given (those not
        offered are skipped; the set enabled is in caps_enabled). sasl=(account, password)
        authenticates with SASL PLAIN. Waits for the end of the welcome burst (376 or
        422) and returns the messages received during registration."""
        if password is not None:
            self.send(f"PASS {password}")
        negotiating = bool(caps) or sasl is not None
        if negotiating:
            self.cap_ls()
            wanted = [c for c in caps if c in self.caps_available]
            if sasl is not None:
                wanted.append("sasl")
            if wanted and not self.cap_req(wanted):
                raise AssertionError(f"{self.name}: CAP REQ {wanted} was refused: {self.recent()}")
        self.send(f"NICK {nick}")
        self.send(f"USER {user or nick.lower()[:9]} 0 * :{realname or 'Conformance ' + nick}")
        if sasl is not None:
            authenticate_plain(self, *sasl)
        if negotiating:
            self.send("CAP END")
        return self.finish_registration(nick)

    def finish_registration(self, nick):
        welcome = self.wait_for(lambda m: m.command in ("001", "432", "433", "436", "464", "ERROR"),
                                what="RPL_WELCOME")
        if welcome.command != "001":
            raise AssertionError(f"{self.name}: registration as {nick} failed: {welcome}")
        self.nick = welcome.params[0]
        self.server_name = welcome.source
        burst = [welcome] + self.collect_until(lambda m: m.command in ("376", "422"),
                                               what="end of MOTD (376/422)")
        for m in burst:
            if m.command == "005":
                for token in m.params[1:-1]:
                    key, _, value = token.partition("=")
                    if key.startswith("-"):
                        self.isupport.pop(key[1:], None)
                    else:
                        self.isupport[key.upper()] = value
        # Anything the server sends right after the MOTD (modes, auto-joins such as
        # hubchat's ALL) belongs to registration too.
        burst.extend(self.sync())
        return burst

    def casefold(self, text):
        mapping = self.isupport.get("CASEMAPPING", "rfc1459").lower()
        text = text.lower() if mapping != "ascii" else "".join(
            c.lower() if "A" <= c <= "Z" else c for c in text)
        if mapping in ("rfc1459", "strict-rfc1459"):
            text = text.replace("[", "{").replace("]", "}").replace("\\", "|")
            if mapping == "rfc1459":
                text = text.replace("~", "^")
        return text


def authenticate_plain(client, account, password):
    """SASL PLAIN (IRCv3 sasl-3.1): AUTHENTICATE PLAIN, then the base64 credentials;
    returns the 900..909 numerics seen, raises unless 903 arrives."""
    import base64

    client.send("AUTHENTICATE PLAIN")
    client.wait_for(lambda m: m.command == "AUTHENTICATE" and m.params[:1] == ["+"]
                    or m.command in ("904", "905", "906", "908"), what="AUTHENTICATE +")
    blob = base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()
    client.send(f"AUTHENTICATE {blob}")
    result = client.wait_command("903", "904", "905", "906", "907")
    if result.command != "903":
        raise AssertionError(f"{client.name}: SASL PLAIN failed: {result}")
    return result
