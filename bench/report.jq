# Raw runs (bench/run) -> the same object plus "points": the median of every figure over
# the clean repetitions of each (server, point), figure by figure. A run with a fault only
# counts as failed: its figures (often zero) say nothing about the server's speed.
def median:
  map(select(. != null)) | sort
  | if length == 0 then null
    elif length % 2 == 1 then .[(length - 1) / 2]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;

. + {points: (.runs
  | group_by([.server, .point])
  | map(. as $all | (map(select(.ok == true))) as $clean | $clean | {
      server: $all[0].server,
      point: $all[0].point,
      scenario: $all[0].scenario,
      clients: $all[0].clients,
      senders: $all[0].senders,
      rate: $all[0].rate,
      mode: $all[0].mode,
      window: $all[0].window,
      fanout: $all[0].fanout,
      echo_counted: $all[0].echo_counted,
      runs: ($all | length),
      failed: ($all | map(select(.ok != true)) | length),
      failures: ($all | map(select(.ok != true) | .error_samples[0]) | unique),
      deliveries_per_s: (map(.deliveries_per_s) | median),
      messages_per_s: (map(.messages_per_s) | median),
      cpu_ns_per_delivery: (map(.server_cpu_ns_per_delivery) | median),
      p50_ns: (map(.latency_ns.p50) | median),
      p99_ns: (map(.latency_ns.p99) | median),
      max_ns: (map(.latency_ns.max) | median),
      max_send_lag_ns: (map(.max_send_lag_ns) | median),
      server_cpu_util: (map(.server_cpu_util) | median),
      bench_cpu_util: (map(.bench_cpu_util) | median),
      rss_per_connection_bytes: (map(.rss_per_connection_bytes) | median),
      rss_growth_kib: (map(if .rss_after_kib and .rss_before_kib
                           then .rss_after_kib - .rss_before_kib else null end) | median),
      setup_s: (map(.setup_s) | median),
      connections_per_s: (map(.connections_per_s) | median),
      cpu_ns_per_connection: (map(.server_cpu_ns_per_connection) | median),
      registration_p50_ns: (map(.registration_latency_ns.p50) | median),
      registration_p99_ns: (map(.registration_latency_ns.p99) | median),
      command: $all[0].command
    }))}
