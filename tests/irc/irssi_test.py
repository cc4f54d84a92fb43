#!/usr/bin/env python3
"""A real IRC client against the real server: irssi (Debian's package) and the hubchat
terminal client, each in a tmux pane, share a channel and a private conversation.

    tests/irc/irssi_test.py HUBCHAT_SERVER_BIN HUBCHAT_CLIENT_BIN

Keys are typed with tmux send-keys and screens read with capture-pane; every step waits
for what it needs to see, polling the pane until a deadline (never a fixed sleep). irssi
runs with a scratch --home, the server with a scratch --data-dir on a free port.
Exit status 0 when every step passed; otherwise the step, and both screens, are printed.
"""

import json
import os
import re
import socket
import shutil
import subprocess
import sys
import tempfile
import time

DEADLINE = float(os.environ.get("IRSSI_TEST_TIMEOUT", "20"))
ACCOUNT, PASSWORD = "ircfan", "irssi-test-pass-1"


class Failure(Exception):
    pass


class Tmux:
    """One private tmux server (its own socket), so nothing else's sessions are touched."""

    def __init__(self, scratch):
        self.socket = os.path.join(scratch, "tmux.sock")
        self.started = False

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.socket, *args], check=check,
                              capture_output=True, text=True)

    def new_window(self, name, command, env):
        # A wide, tall pane: nothing wraps, and irssi's window shows enough history.
        exports = " ".join(f"{k}={quote(v)}" for k, v in env.items())
        shell = f"exec env {exports} {command}"
        if not self.started:
            self.run("new-session", "-d", "-s", "t", "-n", name, "-x", "200", "-y", "50", shell)
            self.run("set-option", "-t", "t", "remain-on-exit", "on")
            self.started = True
        else:
            self.run("new-window", "-d", "-t", "t", "-n", name, shell)

    def keys(self, window, text, enter=True):
        self.run("send-keys", "-t", f"t:{window}", "-l", text)
        if enter:
            self.run("send-keys", "-t", f"t:{window}", "Enter")

    def screen(self, window):
        return self.run("capture-pane", "-p", "-J", "-t", f"t:{window}", "-S", "-200").stdout

    def wait(self, window, pattern, what, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            text = self.screen(window)
            if re.search(pattern, text, re.MULTILINE):
                return text
            if time.monotonic() > deadline:
                raise Failure(f"{window}: never showed {what} (/{pattern}/) within {timeout} s")
            time.sleep(delay)  # polling interval of the condition, not a wait for it
            delay = min(delay * 2, 0.2)

    def kill(self):
        if self.started:
            self.run("kill-server", check=False)


def quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def start_server(server_bin, scratch):
    log_path = os.path.join(scratch, "server.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([server_bin, "--host", "127.0.0.1", "--port", "0",
                             "--data-dir", os.path.join(scratch, "data")],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with open(log_path) as f:
            found = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
        if found:
            return proc, int(found.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    with open(log_path) as f:
        raise Failure("the server did not start: " + f.read()[-2000:])


def make_account(port):
    """The account irssi logs in to with SASL, made as a hubchat client would (the JSON
    protocol's hello + register, docs/PROTOCOL.md)."""
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as s:
        for frame in ({"type": "hello", "name": ACCOUNT, "protocol": 1},
                      {"type": "register", "password": PASSWORD, "ref": "r"}):
            s.sendall(json.dumps(frame).encode() + b"\n")
        data = b""
        while b'"registered"' not in data:
            chunk = s.recv(65536)
            if not chunk or b'"error"' in data + chunk:
                raise Failure(f"could not create the account: {(data + chunk)[-300:]!r}")
            data += chunk
        s.sendall(b'{"type":"quit"}\n')


def irssi_config(home, port):
    """A minimal irssi config: one server on the test port, SASL PLAIN with the account,
    no automatic anything."""
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config"), "w") as f:
        f.write(f"""
servers = (
  {{ address = "127.0.0.1"; chatnet = "hub"; port = "{port}"; use_tls = "no"; autoconnect = "no"; }}
);
chatnets = {{ hub = {{ type = "IRC"; sasl_mechanism = "PLAIN"; sasl_username = "{ACCOUNT}"; sasl_password = "{PASSWORD}"; }}; }};
settings = {{
  core = {{ real_name = "Irssi Tester"; user_name = "irssi"; nick = "ircfan"; }};
  "fe-common/core" = {{ theme = "default"; autocreate_own_query = "yes"; show_nickmode = "no"; }};
  "fe-text" = {{ actlist_sort = "refnum"; }};
}};
""")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    server_bin, client_bin = (os.path.abspath(a) for a in sys.argv[1:])
    for binary in (server_bin, client_bin):
        if not os.access(binary, os.X_OK):
            # A build tree that made only the server (the ThreadSanitizer one): ctest's
            # SKIP_RETURN_CODE reports the test skipped there, not passed.
            print(f"irssi_test: {binary} not built; skipped", file=sys.stderr)
            return 77
    for tool in ("tmux", "irssi"):
        if not shutil.which(tool):
            print(f"irssi_test: {tool} is not installed (scripts/install-deps.sh test)",
                  file=sys.stderr)
            return 1
    scratch = tempfile.mkdtemp(prefix="hubchat-irssi.")
    tmux = Tmux(scratch)
    server = None
    step = "start"
    try:
        server, port = start_server(server_bin, scratch)
        irssi_home = os.path.join(scratch, "irssi")
        make_account(port)
        irssi_config(irssi_home, port)
        env = {"HOME": scratch, "TERM": "screen-256color", "LANG": "C.UTF-8",
               "XDG_STATE_HOME": os.path.join(scratch, "state")}

        step = "irssi connects, logs in to its account with SASL and registers"
        tmux.new_window("irssi", f"irssi --home={quote(irssi_home)} -n ircfan "
                        f"-c 127.0.0.1 -p {port}", env)
        tmux.wait("irssi", r"SASL authentication succeeded", "the SASL login")
        # Words irssi shows, not bare numerics: "422" or "001" can be part of the port number
        # on the screen ("port 42265"), and the /join below would then go out before
        # registration and be refused ("Not connected to server").
        tmux.wait("irssi", r"Welcome to the", "the welcome")
        tmux.wait("irssi", r"End of /MOTD|MOTD File is missing|No MOTD", "the end of registration")

        step = "irssi joins #deck"
        tmux.keys("irssi", "/join #deck")
        tmux.wait("irssi", r"ircfan .*has joined #deck", "its own JOIN")

        step = "the hubchat client starts and joins #deck"
        tmux.new_window("hubchat", f"{quote(client_bin)} --host 127.0.0.1 --port {port}", env)
        tmux.wait("hubchat", r"Your name> ", "the name prompt")
        tmux.keys("hubchat", "bob")
        tmux.wait("hubchat", r"You say  > ", "the prompt")
        tmux.keys("hubchat", "/join #deck")
        tmux.wait("hubchat", r"\* bob joined #deck", "its own join")

        step = "irssi sees bob join"
        tmux.wait("irssi", r"bob .*has joined #deck", "bob's JOIN")

        step = "hubchat -> irssi in #deck"
        tmux.keys("hubchat", "#deck hello from the hubchat side")
        tmux.wait("irssi", r"<\s*[@+]?bob> hello from the hubchat side", "bob's channel message")

        step = "irssi -> hubchat in #deck"
        tmux.keys("irssi", "hello from irssi, bob")
        tmux.wait("irssi", r"<\s*[@+]?ircfan> hello from irssi, bob", "its own line")
        tmux.wait("hubchat", r"Message from ircfan in #deck: hello from irssi, bob",
                  "ircfan's channel message")

        step = "irssi -> hubchat privately"
        tmux.keys("irssi", "/msg bob just between us")
        tmux.wait("hubchat", r"Message from ircfan: just between us", "the private message")

        step = "hubchat -> irssi privately"
        tmux.keys("hubchat", "@ircfan got it")
        # The reply opens (or goes to) irssi's query window with bob.
        tmux.keys("irssi", "/query bob")
        tmux.wait("irssi", r"<\s*bob> got it", "bob's private reply")

        step = "irssi's /names lists both"
        tmux.keys("irssi", "/window goto #deck")
        tmux.keys("irssi", "/names #deck")
        tmux.wait("irssi", r"#deck: Total of 2 nicks", "a NAMES reply with both")

        step = "irssi quits; the hubchat client sees it leave"
        tmux.keys("irssi", "/quit see you")
        tmux.wait("hubchat", r"ircfan (left|quit|has quit)", "ircfan leaving")
        tmux.keys("hubchat", "q")
        print("irssi_test: irssi and the hubchat client shared #deck and a private "
              "conversation through the server")
        return 0
    except (Failure, subprocess.CalledProcessError) as e:
        print(f"irssi_test: FAILED at step '{step}': {e}", file=sys.stderr)
        for window in ("irssi", "hubchat"):
            try:
                print(f"----- {window} screen -----\n{tmux.screen(window)}", file=sys.stderr)
            except subprocess.CalledProcessError:
                pass
        with open(os.path.join(scratch, "server.log"), errors="replace") as f:
            print("----- server log (end) -----\n" + f.read()[-3000:], file=sys.stderr)
        return 1
    finally:
        tmux.kill()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
