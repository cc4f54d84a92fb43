#!/usr/bin/env python3
"""A deliberately faulty relay speaking the hubchat dialect, for bench/selftest.

    faulty_relay.py PORT FAULT     FAULT: none | drop | duplicate | reorder | misattribute

It relays room and direct messages like hubchat-server, and spoils exactly one
delivery (the 500th) in the way FAULT names, so that the self-test can check that
hubchat-bench notices every kind of fault it claims to detect.
"""
import asyncio
import json
import sys

PORT, FAULT = int(sys.argv[1]), sys.argv[2]
SPOILED = 500
members = {}   # name -> writer
deliveries = 0
held = {}      # recipient -> frame held back (reorder)


def frame(obj):
    return (json.dumps(obj) + "\n").encode()


async def handle(reader, writer):
    global deliveries
    name = None
    while line := await reader.readline():
        request = json.loads(line)
        kind = request.get("type")
        if kind == "hello":
            name = request["name"]
            members[name] = writer
            writer.write(frame({"type": "welcome", "name": name}))
        elif kind == "join":
            writer.write(frame({"type": "join", "room": request["room"], "user": name}))
        elif kind == "ping":
            writer.write(frame({"type": "pong"}))
        elif kind == "message":
            dest = request["dest"]
            targets = list(members.items()) if dest.startswith("#") else [(dest, members[dest])]
            for recipient, out in targets:
                deliveries += 1
                sender = name
                if FAULT == "misattribute" and deliveries == SPOILED:
                    sender = recipient
                data = frame({"type": "message", "user": sender, "dest": dest,
                              "message": request["message"]})
                if FAULT == "drop" and deliveries == SPOILED:
                    continue
                if FAULT == "duplicate" and deliveries == SPOILED:
                    out.write(data)
                if FAULT == "reorder" and deliveries == SPOILED:
                    held[recipient] = data
                    continue
                out.write(data)
                if recipient in held and deliveries > SPOILED:
                    out.write(held.pop(recipient))
            writer.write(frame({"type": "ack"}))
        elif kind == "quit":
            break
    if name:
        members.pop(name, None)
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
