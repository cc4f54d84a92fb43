# Number formatting shared by the report filters (jq -L bench).
def dash: "–";
def r(d): (. * d | round) / d;
def si: if . == null then dash
        elif . >= 1e6 then "\(. / 1e6 | r(100)) M"
        elif . >= 1e4 then "\(. / 1e3 | r(10)) k"
        else "\(round)" end;
# Nanoseconds as ns, µs or ms.
def dur: if . == null then dash
         elif . >= 1e9 then "\(. / 1e9 | r(100)) s"
         elif . >= 1e6 then "\(. / 1e6 | r(100)) ms"
         elif . >= 1e4 then "\(. / 1e3 | r(10)) µs"
         elif . >= 1e3 then "\(. / 1e3 | r(100)) µs"
         else "\(round) ns" end;
def kib: if . == null then dash else "\(. / 1024 | r(100)) KiB" end;
def pct: if . == null then dash else "\(. * 100 | round) %" end;
def server_title: {hubchat: "hubchat", "hubchat-history": "hubchat (history)", "hubchat-irc": "hubchat (IRC)", "hubchat-original": "hubchat (original JSON)", inspircd: "InspIRCd", ngircd: "ngIRCd", "bare-relay": "bare relay (send)", "bare-relay-uring": "bare relay (io_uring)"}[.] // .;
