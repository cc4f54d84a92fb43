# bench/run's figures, one per call:
#   gnuplot -e "figure='room|idle|load'; datadir='...'; outdir='...'" bench/plots.gnuplot
# Data files are DATADIR/FIGURE-SERVER.dat from bench/plot_data.jq.
set terminal pngcairo size 900,540 font "DejaVu Sans,11"
set grid
set key top left
servers = "hubchat hubchat-history hubchat-irc inspircd ngircd"
title(s) = s eq "hubchat" ? "hubchat (JSON)" : s eq "hubchat-history" ? "hubchat (history)" : \
           s eq "hubchat-irc" ? "hubchat (IRC)" : \
           s eq "inspircd" ? "InspIRCd" : "ngIRCd"
file(f, i) = sprintf("%s/%s-%s.dat", datadir, f, word(servers, i))

if (figure eq "room") {
    set logscale x
    set xlabel "room members"

    set output outdir."/bench-room-throughput.png"
    set title "Broadcast, closed loop: deliveries per second vs room size\n(10 senders, 100-byte messages, 16 in flight each)"
    set ylabel "deliveries per second"
    set format y "%.1s%c"
    set yrange [0:*]
    plot for [i=1:words(servers)] file("room", i) using 1:2 with linespoints linewidth 2 linecolor i \
         title title(word(servers, i))

    set output outdir."/bench-room-cpu.png"
    set title "Broadcast, closed loop: server CPU time per delivery vs room size"
    set ylabel "server CPU ns per delivery"
    set format y "%g"
    set yrange [0:*]
    plot for [i=1:words(servers)] file("room", i) using 1:3 with linespoints linewidth 2 linecolor i \
         title title(word(servers, i))
}

if (figure eq "idle") {
    set output outdir."/bench-idle-rss.png"
    set title "Idle registered connections: server RSS growth vs connections held"
    set xlabel "connections"
    set ylabel "RSS growth (MiB)"
    set format x "%.0s%c"
    set yrange [0:*]
    plot for [i=1:words(servers)] file("idle", i) using 1:2 with linespoints linewidth 2 linecolor i \
         title title(word(servers, i))
}

if (figure eq "load") {
    set output outdir."/bench-latency-vs-load.png"
    set title "Broadcast to 100 members, open loop: latency vs offered load\n(p99 solid, p50 dashed)"
    set logscale x
    set logscale y
    set xlabel "offered deliveries per second"
    set format x "%.0s%c"
    set ylabel "latency (ms)"
    plot for [i=1:words(servers)] file("load", i) using 1:2 with linespoints linewidth 2 linecolor i \
             title title(word(servers, i))." p99", \
         for [i=1:words(servers)] file("load", i) using 1:3 with linespoints linewidth 1 dashtype 2 \
             linecolor i title title(word(servers, i))." p50"
}
