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
    terms.push("created >= {:since}"); params.since = since;
  }
  if (before) {
    if (!TIME_RE.test(before)) return null;
    terms.push("created < {:before}"); params.before = before;
  }
  return { sql: terms.join(" AND "), params: params };
}

function rows(sql, params, shape) {
  const result = arrayOf(new DynamicModel(shape));
  $app.db().newQuery(sql).bind(params).all(result);
  return result;
}

// [[key, status, count], ...] for one grouping expression.
function countsBy(expr, where, extra) {
  const found = rows(
    "SELECT " + expr + " AS k, status AS s, COUNT(*) AS n FROM " + TABLE +
    " WHERE " + where.sql + (extra || "") + " GROUP BY k, s ORDER BY k, s",
    where.params, { k: "", s: "", n: 0 });
  return found.map((row) => [row.k, row.s, row.n]);
}

function aggregates(collection, where) {
  const withNode = hasField(collection, "node");
  const withDuration = hasField(collection, "install_duration");

  const span = rows(
    "SELECT COUNT(*) AS total, COALESCE(MIN(created), '') AS first, COALESCE(MAX(created), '') AS last FROM " +
    TABLE + " WHERE " + where.sql, where.params, { total: 0, first: "", last: "" })[0];

  const exitCodes = rows(
    "SELECT CAST(exit_code AS INTEGER) AS code, nsapp AS app, COUNT(*) AS n FROM " + TABLE +
    " WHERE " + where.sql + " AND status IN ('failed', 'unknown') AND exit_code != 0" +
    " GROUP BY code, app ORDER BY code, app",
    where.params, { code: 0, app: "", n: 0 }).map((row) => [row.code, row.app, row.n]);

  // Nearest-rank percentiles of the durations > 0 per app: median is the ceil(n/2)-th value, p95 the ceil(0.95 n)-th.
  let durations = [];
  if (withDuration) {
    durations = rows(
      "WITH d AS (SELECT nsapp, install_duration AS v," +
      " ROW_NUMBER() OVER (PARTITION BY nsapp ORDER BY install_duration) AS rn," +
      " COUNT(*) OVER (PARTITION BY nsapp) AS cnt FROM " + TABLE +
      " WHERE " + where.sql + " AND install_duration > 0)" +
      " SELECT nsapp AS app, MAX(cnt) AS count," +
      " MAX(CASE WHEN rn = (cnt + 1) / 2 THEN v END) AS median," +
      " MAX(CASE WHEN rn = (cnt * 95 + 99) / 100 THEN v END) AS p95" +
      " FROM d GROUP BY nsapp ORDER BY nsapp",
      where.params, { app: "", count: 0, median: -0, p95: -0 }).map((row) => [row.app, row.count, row.median, row.p95]);
  }

  const recent = rows(
    "SELECT created, nsapp, type, " + (withNode ? "node" : "''") + " AS node, CAST(exit_code AS INTEGER) AS exit_code FROM " +
    TABLE + " WHERE " + where.sql + " AND status = 'failed' ORDER BY created DESC, id DESC LIMIT " + RECENT_FAILURES,
    where.params, { created: "", nsapp: "", type: "", node: "", exit_code: 0 }).map((row) => ({
      created: row.created, nsapp: row.nsapp, type: row.type, node: row.node, exit_code: row.exit_code,
    }));

  return {
    version: 1,
    total: span.total,
    first: span.first || null,
    last: span.last || null,
    by_app_status: countsBy("nsapp", where),
    by_type_status: countsBy("type", where),
    by_day_status: countsBy("substr(created, 1, 10)", where),
    by_node_status: withNode ? countsBy("node", where, " AND node != ''") : [],
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
