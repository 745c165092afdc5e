/// <reference path="../pb_data/types.d.ts" />
// The code of telemetry.pb.js (community_scripts.telemetry). Not a hook file itself: it does not end
// in .pb.js, so PocketBase loads it only through require().
//
// Every value a caller sends reaches SQL as a bound parameter ({:name}); the SQL text itself is built
// only from the fixed fragments below. Exit-code explanations are not here: the module adds them
// from its own table (plugins/module_utils/_exit_codes.py), the only copy.

const COLLECTION = "_dev_telemetry_data";
const TABLE = "`" + COLLECTION + "`";
const STATUSES = ["installing", "sucess", "failed", "unknown"];
const TYPES = ["lxc", "vm", "addon", "pve"];
const TIME_RE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;
const RECENT_FAILURES = 20;
const DEFAULT_STALE_AFTER = "6h";

function problem(e, status, message) {
  return e.json(status, { data: {}, message: message, status: status });
}

function hasField(collection, name) {
  return !!collection.fields.getByName(name);
}

// The WHERE clause of a question, and its bound parameters. null when a value is not acceptable.
// "+created": the time window must not steer SQLite to the created index, from which every matching row
// would be read back from the table; the covering indexes of the aggregates (pb_migrations) filter it better.
function whereOf(query) {
  const terms = ["1=1"];
  const params = {};
  const app = query.get("app");
  const status = query.get("status");
  const type = query.get("type");
  const since = query.get("since");
  const before = query.get("before");
  if (app) { terms.push("nsapp = {:app}"); params.app = app; }
  if (status) {
    if (!STATUSES.includes(status)) return null;
    terms.push("status = {:status}"); params.status = status;
  }
  if (type) {
    if (!TYPES.includes(type)) return null;
    terms.push("type = {:type}"); params.type = type;
  }
  if (since) {
    if (!TIME_RE.test(since)) return null;
    terms.push("+created >= {:since}"); params.since = since;
  }
  if (before) {
    if (!TIME_RE.test(before)) return null;
    terms.push("+created < {:before}"); params.before = before;
  }
  return { sql: terms.join(" AND "), params: params };
}

function rows(sql, params, shape) {
  const result = arrayOf(new DynamicModel(shape));
  $app.db().newQuery(sql).bind(params).all(result);
  return result;
}

// One row per combination of the dimensions, with its count. The GROUP BY follows the order of the index
// idx_dev_telemetry_dimensions (pb_migrations), so SQLite walks that narrow index once and sorts nothing.
function dimensions(where, withNode) {
  const node = withNode ? "node" : "''";
  return rows(
    "SELECT nsapp AS app, status AS s, type AS t, " + node + " AS node, substr(created, 1, 10) AS day," +
    " CAST(exit_code AS INTEGER) AS code, COUNT(*) AS n, MIN(created) AS first, MAX(created) AS last FROM " + TABLE +
    " WHERE " + where.sql +
    " GROUP BY nsapp, status, type, " + node + ", substr(created, 1, 10), exit_code",
    where.params, { app: "", s: "", t: "", node: "", day: "", code: 0, n: 0, first: "", last: "" });
}

// {key: {status: count}} -> [[key, status, count], ...] sorted by key, then status.
function rowsOf(table) {
  const out = [];
  for (const key of Object.keys(table).sort()) {
    for (const status of Object.keys(table[key]).sort()) {
      out.push([key, status, table[key][status]]);
    }
  }
  return out;
}

function bump(table, key, sub, count) {
  const inner = table[key] || (table[key] = Object.create(null));
  inner[sub] = (inner[sub] || 0) + count;
}

// The value of the given rank (1-based) in a histogram [[value, count], ...] sorted by value.
function nearestRank(histogram, rank) {
  let seen = 0;
  for (const [value, count] of histogram) {
    seen += count;
    if (seen >= rank) return value;
  }
  return null;
}

function aggregates(collection, where) {
  const withNode = hasField(collection, "node");
  const withDuration = hasField(collection, "install_duration");

  // Prototype-free objects: an app may be called "constructor" or "__proto__".
  const byApp = Object.create(null), byType = Object.create(null), byDay = Object.create(null);
  const byNode = Object.create(null), codes = Object.create(null);
  let total = 0, first = null, last = null;
  for (const row of dimensions(where, withNode)) {
    total += row.n;
    if (first === null || row.first < first) first = row.first;
    if (last === null || row.last > last) last = row.last;
    bump(byApp, row.app, row.s, row.n);
    bump(byType, row.t, row.s, row.n);
    bump(byDay, row.day, row.s, row.n);
    if (row.node !== "") bump(byNode, row.node, row.s, row.n);
    if ((row.s === "failed" || row.s === "unknown") && row.code !== 0) bump(codes, String(row.code), row.app, row.n);
  }
  const exitCodes = [];
  for (const code of Object.keys(codes).map(Number).sort((a, b) => a - b)) {
    for (const app of Object.keys(codes[String(code)]).sort()) exitCodes.push([code, app, codes[String(code)][app]]);
  }

  // Duration percentiles by nearest rank, from a histogram per app (index idx_dev_telemetry_durations):
  // the median is the ceil(n/2)-th smallest value, p95 the ceil(0.95 n)-th; the module does the same.
  const durations = [];
  if (withDuration) {
    const histograms = Object.create(null);
    for (const row of rows(
      "SELECT nsapp AS app, install_duration AS v, COUNT(*) AS n FROM " + TABLE + " WHERE " + where.sql +
      " AND install_duration > 0 GROUP BY nsapp, install_duration", where.params, { app: "", v: -0, n: 0 })) {
      (histograms[row.app] || (histograms[row.app] = [])).push([row.v, row.n]);
    }
    for (const app of Object.keys(histograms).sort()) {
      const histogram = histograms[app].sort((a, b) => a[0] - b[0]);
      const count = histogram.reduce((sum, entry) => sum + entry[1], 0);
      durations.push([app, count, nearestRank(histogram, Math.floor((count + 1) / 2)),
                      nearestRank(histogram, Math.floor((count * 95 + 99) / 100))]);
    }
  }

  const recent = rows(
    "SELECT created, nsapp, type, " + (withNode ? "node" : "''") + " AS node, CAST(exit_code AS INTEGER) AS exit_code FROM " +
    TABLE + " WHERE " + where.sql + " AND status = 'failed' ORDER BY created DESC, id DESC LIMIT " + RECENT_FAILURES,
    where.params, { created: "", nsapp: "", type: "", node: "", exit_code: 0 }).map((row) => ({
      created: row.created, nsapp: row.nsapp, type: row.type, node: row.node, exit_code: row.exit_code,
    }));

  return {
    version: 1,
    total: total,
    first: first,
    last: last,
    by_app_status: rowsOf(byApp),
    by_type_status: rowsOf(byType),
    by_day_status: rowsOf(byDay),
    by_node_status: rowsOf(byNode),
    exit_codes: exitCodes,
    durations: durations,
    recent_failures: recent,
  };
}

function aggregatesRoute(e) {
  const query = e.request.url.query();
  const name = query.get("collection") || COLLECTION;
  if (name !== COLLECTION) {
    return problem(e, 404, "No aggregates for this collection.");
  }
  let collection;
  try {
    collection = $app.findCollectionByNameOrId(COLLECTION);
  } catch (_) {
    return problem(e, 404, "The telemetry collection does not exist.");
  }
  // The same access as listing the records: an open collection answers anyone, any other rule superusers only.
  // (A rule reaches JS as a wrapped Go string pointer: null when unset, String() gives its text.)
  const rule = collection.listRule;
  const open = rule !== null && rule !== undefined && String(rule) === "";
  if (!open && !e.hasSuperuserAuth()) {
    return problem(e, 403, "Only superusers can ask for the aggregates of this collection.");
  }
  const where = whereOf(query);
  if (!where) {
    return problem(e, 400, "Bad filter: status, type, since or before is not acceptable.");
  }
  return e.json(200, aggregates(collection, where));
}

// "6h", "90m", "3600s", "1d" or a number of seconds; null when it is none of these.
function parseDuration(text) {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text || "");
  if (!match) return null;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2]];
  return parseInt(match[1], 10) * unit;
}

// Set the attempts left installing for longer than the threshold to unknown; returns how many.
function closeStale(app) {
  const configured = $os.getenv("TELEMETRY_STALE_AFTER");
  let seconds = parseDuration(configured || DEFAULT_STALE_AFTER);
  if (seconds === null || seconds <= 0) {
    console.log("telemetry: TELEMETRY_STALE_AFTER=" + configured + " is not a duration such as 6h; using " + DEFAULT_STALE_AFTER);
    seconds = parseDuration(DEFAULT_STALE_AFTER);
  }
  try {
    app.findCollectionByNameOrId(COLLECTION);
  } catch (_) {
    return 0;  // a fresh server before its migrations: the cron job comes back later
  }
  const now = "strftime('%Y-%m-%d %H:%M:%fZ', 'now')";
  const result = app.db().newQuery(
    "UPDATE " + TABLE + " SET status = 'unknown', updated = " + now +
    " WHERE status = 'installing' AND created < strftime('%Y-%m-%d %H:%M:%fZ', 'now', {:shift})"
  ).bind({ shift: "-" + seconds + " seconds" }).execute();
  const closed = result.rowsAffected();
  if (closed > 0) {
    console.log("telemetry: " + closed + " attempts installing for more than " + seconds + " s set to unknown");
  }
  return closed;
}

function closeStaleSafely(app) {
  try {
    return closeStale(app);
  } catch (error) {
    console.log("telemetry: stale attempts not closed: " + error);
    return 0;
  }
}

module.exports = { aggregatesRoute, closeStale, closeStaleSafely, parseDuration };
