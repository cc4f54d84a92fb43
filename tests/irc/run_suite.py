#!/usr/bin/env python3
"""Runs the IRC conformance suite against a server at HOST:PORT and prints, per area, how
many tests passed, failed or were skipped (an extension the server does not offer).

    tests/irc/run_suite.py [--host H] [--port P] [--sasl ACCOUNT:PASSWORD]
                           [--ping-timeout S] [--areas a,b] [--json FILE] [-k PATTERN] [-v]

Exit status: 0 when nothing failed, 1 otherwise (--require AREAS: only those areas count).
"""

import argparse
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CORE_AREAS = ["registration", "messages", "join", "part", "names", "who", "quit", "ping"]
AREA_ORDER = CORE_AREAS + ["whois", "list", "topic", "away", "limits", "message-tags", "server-time",
                           "echo-message", "multi-prefix", "away-notify", "account-tag",
                           "sasl", "chathistory"]


def iterate(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iterate(item)
        else:
            yield item


class Recorder(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcomes = []  # (area, test id, outcome, detail)

    def _area(self, test):
        return getattr(type(test), "AREA", "misc")

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.append((self._area(test), test.id(), "pass", ""))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes.append((self._area(test), test.id(), "fail", self.failures[-1][1]))

    def addError(self, test, err):
        super().addError(test, err)
        # setUp errors are the test's failure too (e.g. a refused registration).
        area = self._area(test) if hasattr(test, "AREA") else "misc"
        self.outcomes.append((area, test.id(), "fail", self.errors[-1][1]))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.append((self._area(test), test.id(), "skip", reason))


def summarize(outcomes):
    areas = {}
    for area, _, outcome, _ in outcomes:
        row = areas.setdefault(area, {"pass": 0, "fail": 0, "skip": 0})
        row[outcome] += 1
    return areas


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sasl", default="", help="ACCOUNT:PASSWORD of an existing account")
    p.add_argument("--ping-timeout", type=float, default=0,
                   help="the server's ping interval in seconds (enables the timeout test)")
    p.add_argument("--areas", default="", help="only these areas (comma-separated)")
    p.add_argument("--require", default="",
                   help="exit 1 only for failures in these areas ('core': " + ",".join(CORE_AREAS) + ")")
    p.add_argument("--json", default="", help="write every outcome to this file")
    p.add_argument("-k", dest="pattern", action="append", default=None,
                   help="only tests whose name contains this")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()

    os.environ["IRC_HOST"] = args.host
    os.environ["IRC_PORT"] = str(args.port)
    os.environ["IRC_SASL"] = args.sasl
    os.environ["IRC_PING_TIMEOUT"] = str(args.ping_timeout)
    sys.path.insert(0, HERE)

    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = [f"*{k}*" for k in args.pattern]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    if args.areas:
        wanted = set(args.areas.split(","))
        suite = unittest.TestSuite(t for t in iterate(suite)
                                   if getattr(type(t), "AREA", "misc") in wanted)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2 if args.verbose else 1,
                                     resultclass=Recorder)
    result = runner.run(suite)

    areas = summarize(result.outcomes)
    print(f"\n{'area':<14} {'pass':>5} {'fail':>5} {'skip':>5}")
    for area in AREA_ORDER + sorted(set(areas) - set(AREA_ORDER)):
        if area in areas:
            r = areas[area]
            print(f"{area:<14} {r['pass']:>5} {r['fail']:>5} {r['skip']:>5}")
    failed = [(a, t) for a, t, o, _ in result.outcomes if o == "fail"]
    if failed:
        print("\nfailed:")
        for area, test in failed:
            print(f"  [{area}] {test}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"area": a, "test": t, "outcome": o, "detail": d}
                       for a, t, o, d in result.outcomes], f, indent=1)
    required = set(CORE_AREAS if args.require == "core" else
                   (args.require.split(",") if args.require else areas))
    return 1 if any(a in required for a, _ in failed) else 0


if __name__ == "__main__":
    sys.exit(main())
