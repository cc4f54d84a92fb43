#!/usr/bin/env python3
"""Runs a program in a pseudo-terminal (100x30) and relays bytes: our stdin to its
terminal, its terminal to our stdout. Lets the Node tests drive the real `hubchat`
client as a person at a terminal would. Exits with the program's exit status."""
import fcntl
import os
import pty
import select
import struct
import sys
import termios

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
stdin_open = True
while True:
    readers = [master] + ([sys.stdin.fileno()] if stdin_open else [])
    ready, _, _ = select.select(readers, [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the program closed its terminal
            data = b""
        if not data:
            break
        os.write(sys.stdout.fileno(), data)
    if stdin_open and sys.stdin.fileno() in ready:
        data = os.read(sys.stdin.fileno(), 65536)
        if data:
            os.write(master, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
