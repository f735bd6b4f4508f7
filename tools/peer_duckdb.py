#!/usr/bin/env python3
"""The peer comparison: h2fleet's interval rules (SPEC 3) in DuckDB, on the same archives.

Usage: tools/peer_duckdb.py CORPUS_DIR YEAR
Reads CORPUS_DIR/telemetry/**/*.csv.zst with typed read_csv (RFC 3339 timestamps; no row
validation beyond DuckDB's own types) and prints the total hydrogen km of the year. Used by
tools/bench.sh; needs `pip install duckdb`.
"""
import sys
import time

import duckdb

corpus, year = sys.argv[1], int(sys.argv[2])
started = time.time()
con = duckdb.connect()
con.execute("SET threads TO 2")
query = f"""
WITH raw AS (
  SELECT vin, epoch(ts)::BIGINT AS ts,
         round(odometer_km * 10)::BIGINT AS odo,
         coalesce(round(fc_current_a * 10), 0)::BIGINT AS cur
  FROM read_csv('{corpus}/telemetry/**/*.csv.zst', header = true, ignore_errors = true,
                columns = {{'vin': 'VARCHAR', 'ts': 'TIMESTAMPTZ', 'odometer_km': 'DOUBLE', 'fc_current_a': 'DOUBLE'}})
  WHERE vin IS NOT NULL AND ts IS NOT NULL AND odometer_km IS NOT NULL
), kept AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY vin, ts ORDER BY odo, cur) AS rn FROM raw
  ) WHERE rn = 1
), intervals AS (
  SELECT vin, ts AS end_ts, ts - lag(ts) OVER w AS dt, odo - lag(odo) OVER w AS dd,
         lag(cur) OVER w AS a_cur, cur AS b_cur
  FROM kept WINDOW w AS (PARTITION BY vin ORDER BY ts)
), classed AS (
  SELECT *, CASE WHEN dd < 0 THEN 'rollback' WHEN dt > 300 THEN 'gap'
                 WHEN 360 * (dd - 1) > 120 * dt THEN 'overspeed'
                 WHEN a_cur >= 10 AND b_cur >= 10 THEN 'hydrogen' ELSE 'battery' END AS raw_class
  FROM intervals WHERE dt IS NOT NULL
), final AS (
  SELECT *, CASE WHEN raw_class IN ('hydrogen', 'battery')
                  AND (lag(raw_class) OVER w = 'rollback' OR lead(raw_class) OVER w = 'rollback')
                 THEN 'suspect' ELSE raw_class END AS class
  FROM classed WINDOW w AS (PARTITION BY vin ORDER BY end_ts)
)
SELECT sum(dd) FILTER (WHERE class = 'hydrogen') / 10.0 AS hydrogen_km, count(*) AS intervals
FROM final WHERE year(to_timestamp(end_ts) AT TIME ZONE 'Asia/Shanghai') = {year}
"""
hydrogen, intervals = con.execute(query).fetchone()
print(f"duckdb: hydrogen_km={hydrogen} intervals={intervals} seconds={time.time() - started:.2f}")
