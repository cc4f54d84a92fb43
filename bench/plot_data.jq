# One gnuplot data table: --arg figure room|idle|load, --arg server NAME.
# Columns: room: members dlv/s cpu-ns-per-dlv; idle: connections rss-growth-MiB
# rss-per-connection-KiB; load: offered-dlv/s p99-ms p50-ms. Failed points are left out.
[.points[] | select(.server == $server and .failed == 0)] as $points
| (if $figure == "room" then
     $points | map(select(.scenario == "broadcast" and .mode == "closed"))
     | sort_by(.clients) | map("\(.clients) \(.deliveries_per_s) \(.cpu_ns_per_delivery // "NaN")")
   elif $figure == "idle" then
     $points | map(select(.scenario == "idle")) | sort_by(.clients)
     | map("\(.clients) \((.rss_growth_kib // 0) / 1024) \((.rss_per_connection_bytes // 0) / 1024)")
   else
     $points | map(select(.scenario == "broadcast" and .mode == "open" and .clients == 100))
     | sort_by(.rate) | map("\(.rate * .fanout) \(.p99_ns / 1e6) \(.p50_ns / 1e6)")
   end) as $rows
| if ($rows | length) == 0 then "NaN NaN NaN" else $rows[] end
