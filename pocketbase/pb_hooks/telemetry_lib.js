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
// The per-app parts list the top apps by record count (query parameter top); the others are summed.
const TOP_DEFAULT = 50;
const TOP_MAX = 1000;
// recent_failures carries at most this many characters of each error_detail.
const ERROR_DETAIL_MAX = 512;
// Answers kept (aggregatesRoute), each slot one question.
const CACHE_SLOTS = 16;
// How long callers of the same question wait for the one computing it, and how often they look (answerOf).
const FLIGHT_MS = 10000;
const FLIGHT_POLL_MS = 5;
// The width of a duration bucket, in seconds (pb_migrations/1720000000_add_fleet_rollups.js has the same).
const BUCKET = 10;
const DEFAULT_STALE_AFTER = "6h";

function problem(e, status, message) {
  return e.json(status, { data: {}, message: message, status: status });
}

function hasField(collection, name) {
  return !!collection.fields.getByName(name);
}

// The question a request asks: its filters and top, checked. {error: message} when a value is not acceptable.
function questionOf(query) {
  const question = { app: "", status: "", type: "", node: "", since: "", before: "", top: TOP_DEFAULT };
  for (const name of ["app", "status", "type", "node", "since", "before"]) question[name] = query.get(name) || "";
  if ((question.status && !STATUSES.includes(question.status)) || (question.type && !TYPES.includes(question.type)) ||
      (question.since && !TIME_RE.test(question.since)) || (question.before && !TIME_RE.test(question.before))) {
    return { error: "Bad filter: status, type, since or before is not acceptable." };
  }
  const top = query.get("top");
  if (top) {
    if (!/^\d{1,4}$/.test(top) || parseInt(top, 10) < 1 || parseInt(top, 10) > TOP_MAX) {
      return { error: "Bad top: it must be a whole number from 1 to " + TOP_MAX + " (how many apps the per-app parts list)." };
    }
    question.top = parseInt(top, 10);
  }
  return question;
}

// The WHERE clause of a question, and its bound parameters. plus: write the time window as "+created", which
// must not steer SQLite to the created index, from which every matching row would be read back from the table
// (for the groupings over every record; the covering indexes of the aggregates, pb_migrations, filter it better).
// window: {since, before, day}, the time window to use instead of the question's (a part of one day).
function whereOf(question, withNode, plus, window) {
  const terms = ["1=1"];
  const params = {};
  for (const [column, name] of [["nsapp", "app"], ["status", "status"], ["type", "type"], [withNode ? "node" : "''", "node"]]) {
    if (question[name]) { terms.push(column + " = {:" + name + "}"); params[name] = question[name]; }
  }
  const created = plus ? "+created" : "created";
  const since = window ? window.since : question.since;
  const before = window ? window.before : question.before;
  if (since) { terms.push(created + " >= {:since}"); params.since = since; }
  if (before) { terms.push(created + " < {:before}"); params.before = before; }
  if (window && window.day) { terms.push("substr(created, 1, 10) = {:day}"); params.day = window.day; }
  if (window && window.from) { terms.push("created >= {:from}"); params.from = window.from; }
  if (window && window.until) { terms.push("created < {:until}"); params.until = window.until; }
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

function bump(table, key, sub, count) {
  const inner = table[key] || (table[key] = Object.create(null));
  inner[sub] = (inner[sub] || 0) + count;
}

// The counts of an answer, before the top apps are chosen. Prototype-free objects: an app may be called
// "constructor" or "__proto__".
function emptyParts() {
  return { total: 0, first: null, last: null, byApp: Object.create(null), byType: Object.create(null),
           byDay: Object.create(null), byNode: Object.create(null), codes: Object.create(null) };
}

// Adds the rows of dimensions() to the parts.
function addDimensions(parts, grouped) {
  for (const row of grouped) {
    parts.total += row.n;
    if (parts.first === null || row.first < parts.first) parts.first = row.first;
    if (parts.last === null || row.last > parts.last) parts.last = row.last;
    bump(parts.byApp, row.app, row.s, row.n);
    bump(parts.byType, row.t, row.s, row.n);
    bump(parts.byDay, row.day, row.s, row.n);
    if (row.node !== "") bump(parts.byNode, row.node, row.s, row.n);
    if ((row.s === "failed" || row.s === "unknown") && row.code !== 0) bump(parts.codes, String(row.code), row.app, row.n);
  }
}

// A real calendar day (YYYY-MM-DD) and the one after it; null when the text is not one.
function nextDay(day) {
  const time = Date.parse(day + "T00:00:00Z");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) return null;
  return new Date(time + 86400000).toISOString().slice(0, 10);
}

// The question in whole days, which the rollups answer, and the parts of the days at its edges, which the records
// answer. A record belongs to a whole day when the first 10 characters of its created say so: every record of a
// day after the day of `since` is at or after since, every record of a day before the day of `before` is before
// it (both are checked times). `since` of a day alone (YYYY-MM-DD) takes its day whole; `before` of a day alone
// leaves its day out. Each edge is one day at most, read by the created index and its day checked exactly.
function windowOf(question) {
  const terms = [], params = {}, edges = [];
  const since = question.since, before = question.before;
  const sinceDay = since.slice(0, 10), beforeDay = before.slice(0, 10);
  if ((since && nextDay(sinceDay) === null) || (before && nextDay(beforeDay) === null)) return null;
  if (since) {
    terms.push(since.length === 10 ? "day >= {:sinceDay}" : "day > {:sinceDay}");
    params.sinceDay = sinceDay;
    if (since.length !== 10) edges.push({ day: sinceDay, from: since, until: nextDay(sinceDay), since: "", before: before });
  }
  if (before) {
    terms.push("day < {:beforeDay}");
    params.beforeDay = beforeDay;
    const inSinceEdge = since && since.length !== 10 && sinceDay === beforeDay;
    if (before.length !== 10 && !inSinceEdge) {
      edges.push({ day: beforeDay, from: beforeDay, until: nextDay(beforeDay), since: since, before: before });
    }
  }
  if (question.status) { terms.push("status = {:status}"); params.status = question.status; }
  return { sql: terms.length ? terms.join(" AND ") : "1=1", params: params, edges: edges };
}

// The counts of a question from the rollup tables (pb_migrations/1720000000_add_fleet_rollups.js) for its whole
// days, and from the records for its edges. Each table has a row per day and key; the answer sums over the days.
function rollupParts(question, window, withNode) {
  const parts = emptyParts();
  const sum = (table, key, shape) => rows(
    "SELECT " + key + ", status AS s, SUM(n) AS n FROM `" + table + "` WHERE " + window.sql + " GROUP BY " + key + ", status" +
    " HAVING SUM(n) > 0", window.params, shape);
  for (const row of sum("_telemetry_rollup_day", "day", { day: "", s: "", n: 0 })) { parts.total += row.n; bump(parts.byDay, row.day, row.s, row.n); }
  for (const row of sum("_telemetry_rollup_app", "app", { app: "", s: "", n: 0 })) bump(parts.byApp, row.app, row.s, row.n);
  for (const row of sum("_telemetry_rollup_type", "type", { type: "", s: "", n: 0 })) bump(parts.byType, row.type, row.s, row.n);
  for (const row of sum("_telemetry_rollup_node", "node", { node: "", s: "", n: 0 })) bump(parts.byNode, row.node, row.s, row.n);
  for (const row of rows(
    "SELECT code, app, SUM(n) AS n FROM `_telemetry_rollup_code` WHERE " + window.sql + " GROUP BY code, app HAVING SUM(n) > 0",
    window.params, { code: 0, app: "", n: 0 })) {
    bump(parts.codes, String(row.code), row.app, row.n);
  }
  for (const edge of window.edges) addDimensions(parts, dimensions(whereOf(question, withNode, false, edge), withNode));
  // first and last: the rollups say which days have a match; the created index finds it within that day.
  const days = Object.keys(parts.byDay).sort();
  if (days.length) {
    const end = (day, order) => {
      const next = nextDay(day);
      const where = whereOf(question, withNode, false, next === null ? null : { day: day, from: day, until: next,
                                                                               since: question.since, before: question.before });
      const found = rows("SELECT created FROM " + TABLE + " WHERE " + where.sql + " ORDER BY created " + order + " LIMIT 1",
                         where.params, { created: "" });
      return found.length ? found[0].created : null;
    };
    parts.first = end(days[0], "ASC");
    parts.last = end(days[days.length - 1], "DESC");
  }
  return parts;
}

// Duration percentiles of the given apps by nearest rank: the median is the ceil(n/2)-th smallest value, p95 the
// ceil(0.95 n)-th; the module does the same (plugins/module_utils/_fleet_query.py). Exact values, never buckets.
// Questions without a time window or a status filter read the duration rollups: the buckets of 10 s say, for each
// app, in which bucket each rank falls and how many values come before it; the values of those two buckets alone
// then give the exact value (a few hundred rows, where the values of the whole history can be many thousands).
// Other questions read the records (index idx_dev_telemetry_durations). SQLite walks the histograms in the order
// of their values (a window function) and hands back one row per app.
function durationsOf(question, apps, withNode, fromRollup) {
  const ranks = (histogram, key) =>
    "WITH c AS (SELECT app, " + key + " AS k, n, SUM(n) OVER (PARTITION BY app ORDER BY " + key + ") AS cum," +
    " SUM(n) OVER (PARTITION BY app) AS total FROM (" + histogram + "))" +
    " SELECT app, total AS n, MIN(CASE WHEN cum >= (total + 1) / 2 THEN k END) AS median," +
    " MIN(CASE WHEN cum >= (total + 1) / 2 THEN cum - n END) AS medianBefore," +
    " MIN(CASE WHEN cum >= (total * 95 + 99) / 100 THEN k END) AS p95," +
    " MIN(CASE WHEN cum >= (total * 95 + 99) / 100 THEN cum - n END) AS p95Before FROM c GROUP BY app";
  const shape = { app: "", n: 0, median: -0, medianBefore: 0, p95: -0, p95Before: 0 };
  const byName = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  if (!fromRollup) {
    const where = whereOf(question, withNode, true, null);
    return rows(ranks("SELECT nsapp AS app, install_duration AS v, COUNT(*) AS n FROM " + TABLE + " WHERE " + where.sql +
                      " AND install_duration > 0 AND nsapp IN (SELECT value FROM json_each({:apps})) GROUP BY nsapp, install_duration", "v"),
                Object.assign({ apps: JSON.stringify(apps) }, where.params), shape)
      .map((row) => [row.app, row.n, row.median, row.p95]).sort(byName);
  }
  const buckets = rows(ranks("SELECT app, b, n FROM `_telemetry_rollup_duration_bucket` WHERE app IN (SELECT value FROM json_each({:apps}))", "b"),
                       { apps: JSON.stringify(apps) }, shape);
  const pairs = [];
  for (const row of buckets) pairs.push([row.app, row.median], [row.app, row.p95]);
  const values = Object.create(null);  // app -> bucket -> [[value, count], ...] in the order of the values
  for (const row of rows(
    "SELECT p.value ->> 0 AS app, p.value ->> 1 AS b, f.v AS v, f.n AS n FROM json_each({:pairs}) AS p JOIN `_telemetry_rollup_duration` AS f" +
    " ON f.app = p.value ->> 0 AND f.v >= (p.value ->> 1) * " + BUCKET + " AND f.v < (p.value ->> 1) * " + BUCKET + " + " + BUCKET +
    " GROUP BY p.value ->> 0, p.value ->> 1, f.v ORDER BY 1, 2, 3", { pairs: JSON.stringify(pairs) }, { app: "", b: 0, v: -0, n: 0 })) {
    const inApp = values[row.app] || (values[row.app] = Object.create(null));
    (inApp[row.b] || (inApp[row.b] = [])).push([row.v, row.n]);
  }
  const within = (app, bucket, rank) => nearestRank((values[app] && values[app][bucket]) || [], rank);
  return buckets.map((row) => [row.app, row.n,
    within(row.app, row.median, Math.floor((row.n + 1) / 2) - row.medianBefore),
    within(row.app, row.p95, Math.floor((row.n * 95 + 99) / 100) - row.p95Before)]).sort(byName);
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

// {key: {status: count}} -> [[key, status, count], ...] sorted by key, then status.
function rowsOf(table, keys) {
  const out = [];
  for (const key of (keys || Object.keys(table)).slice().sort()) {
    for (const status of Object.keys(table[key]).sort()) out.push([key, status, table[key][status]]);
  }
  return out;
}

function sumOf(counts) {
  let total = 0;
  for (const key of Object.keys(counts)) total += counts[key];
  return total;
}

function aggregates(collection, question) {
  const withNode = hasField(collection, "node");
  const withDuration = hasField(collection, "install_duration");
  const withDetail = hasField(collection, "error_detail");
  // The rollups answer questions without an app, type or node filter (their tables key on the day and one
  // dimension); the others, and a server without the rollup migration, count the records.
  const window = !question.app && !question.type && !question.node && rollupsExist() ? windowOf(question) : null;
  let parts;
  if (window) {
    parts = rollupParts(question, window, withNode);
  } else {
    parts = emptyParts();
    addDimensions(parts, dimensions(whereOf(question, withNode, true, null), withNode));
  }

  // The top apps by record count (ties by name); the others are summed.
  const ranked = Object.keys(parts.byApp).map((app) => [app, sumOf(parts.byApp[app])])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const top = ranked.slice(0, question.top).map((entry) => entry[0]);
  const shown = Object.create(null);
  for (const app of top) shown[app] = true;
  const others = { apps: ranked.length - top.length, by_status: [], exit_codes: [] };
  const otherStatus = Object.create(null), otherCodes = Object.create(null);
  for (const [app] of ranked.slice(question.top)) {
    for (const status of Object.keys(parts.byApp[app])) otherStatus[status] = (otherStatus[status] || 0) + parts.byApp[app][status];
  }
  const exitCodes = [];
  for (const code of Object.keys(parts.codes).map(Number).sort((a, b) => a - b)) {
    const apps = parts.codes[String(code)];
    for (const app of Object.keys(apps).sort()) {
      if (shown[app]) exitCodes.push([code, app, apps[app]]);
      else otherCodes[code] = (otherCodes[code] || 0) + apps[app];
    }
  }
  others.by_status = Object.keys(otherStatus).sort().map((status) => [status, otherStatus[status]]);
  others.exit_codes = Object.keys(otherCodes).map(Number).sort((a, b) => a - b).map((code) => [code, otherCodes[code]]);

  const durations = withDuration && top.length ?
    durationsOf(question, top, withNode, !!window && !question.since && !question.before && !question.status) : [];

  const where = whereOf(question, withNode, false, null);
  const recent = rows(
    "SELECT created, nsapp, type, " + (withNode ? "node" : "''") + " AS node, CAST(exit_code AS INTEGER) AS exit_code, " +
    (withDetail ? "COALESCE(substr(error_detail, 1, " + ERROR_DETAIL_MAX + "), '')" : "''") + " AS detail FROM " +
    TABLE + " WHERE " + where.sql + " AND status = 'failed' ORDER BY created DESC, id DESC LIMIT " + RECENT_FAILURES,
    where.params, { created: "", nsapp: "", type: "", node: "", exit_code: 0, detail: "" }).map((row) => ({
      created: row.created, nsapp: row.nsapp, type: row.type, node: row.node, exit_code: row.exit_code, error_detail: row.detail,
    }));

  return {
    version: 1,
    total: parts.total,
    first: parts.first,
    last: parts.last,
    by_app_status: rowsOf(parts.byApp, top),
    by_type_status: rowsOf(parts.byType),
    by_day_status: rowsOf(parts.byDay),
    by_node_status: rowsOf(parts.byNode),
    exit_codes: exitCodes,
    durations: durations,
    recent_failures: recent,
    apps_total: ranked.length,
    others: others,
    source: window ? "rollups" : "records",
  };
}

// The rollup tables' version: it counts every change of the records (their triggers bump it). null on a server
// without them.
function rollupVersion() {
  try {
    const found = rows("SELECT v FROM `_telemetry_rollup_meta` WHERE k = 'version'", {}, { v: 0 });
    return found.length ? found[0].v : null;
  } catch (_) {
    return null;
  }
}

function rollupsExist() {
  return rollupVersion() !== null;
}

// A few answers kept in the app's store, each with the version of the records it was computed from: a kept
// answer is given only while no record has changed since, so it is always the answer of the data as it is.
// Identical questions (many readers of one report) then cost one computation per change of the records.
function cacheKey(question) {
  const text = JSON.stringify([question.app, question.status, question.type, question.node, question.since, question.before,
                               question.top]);
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return { slot: "telemetry.aggregates." + (Math.abs(hash) % CACHE_SLOTS), text: text };
}

function aggregatesRoute(e) {
  const query = e.request.url.query();
  const name = query.get("collection") || COLLECTION;
  if (name !== COLLECTION) {
    return problem(e, 404, "No aggregates for this collection.");
  }
  let collection;
  try {
    collection = $app.findCachedCollectionByNameOrId(COLLECTION);
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
  const question = questionOf(query);
  if (question.error) {
    return problem(e, 400, question.error);
  }
  return e.blob(200, "application/json", answerOf(collection, question));
}

// The answer as JSON text: a kept one while it holds; otherwise one caller computes it and the callers asking the
// same question at the same time wait for it (a claim in the app's store, taken atomically with setFunc), instead
// of computing it each (64 readers of one report at once: one computation, not 64 side by side). A claim older
// than FLIGHT_MS is stale (its caller failed): a waiter then takes it over; none waits longer than that.
function answerOf(collection, question) {
  const version = rollupVersion();
  if (version === null) return JSON.stringify(aggregates(collection, question));
  const store = $app.store();
  const key = cacheKey(question);
  const flight = key.slot + ".computing";
  const started = Date.now();
  for (;;) {
    const kept = store.get(key.slot);
    if (kept && kept.version === version && kept.question === key.text) return kept.body;
    const now = Date.now();
    let mine = false;
    store.setFunc(flight, (old) => {
      if (old && old.question === key.text && old.version === version && now - old.at < FLIGHT_MS) return old;
      mine = true;
      return { question: key.text, version: version, at: now };
    });
    if (mine || now - started > FLIGHT_MS) break;
    sleep(FLIGHT_POLL_MS);
  }
  try {
    const body = JSON.stringify(aggregates(collection, question));
    store.set(key.slot, { version: version, question: key.text, body: body });
    return body;
  } finally {
    store.remove(flight);
  }
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
