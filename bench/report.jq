# Raw runs (bench/run) -> the same object plus "points": the median of every figure over
# the repetitions of each (server, point). Medians are taken figure by figure.
def median:
  map(select(. != null)) | sort
  | if length == 0 then null
    elif length % 2 == 1 then .[(length - 1) / 2]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;

. + {points: (.runs
  | group_by([.server, .point])
  | map({
      server: .[0].server,
      point: .[0].point,
      scenario: .[0].scenario,
      clients: .[0].clients,
      senders: .[0].senders,
      rate: .[0].rate,
      mode: .[0].mode,
      fanout: .[0].fanout,
      echo_counted: .[0].echo_counted,
      runs: length,
      failed: (map(select(.ok != true)) | length),
      failures: (map(select(.ok != true) | .error_samples[0]) | unique),
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
      command: .[0].command
    }))}
