/// <reference path="../pb_data/types.d.ts" />
// The fleet's aggregates kept as records are written (community_scripts.telemetry, pocketbase/README.md,
// "Rollups"): summary tables of counts, each keyed by the day of `created` and the dimensions one part of
// the answer needs, maintained by SQLite triggers on the collection's table. A trigger, unlike a PocketBase
// record hook, also sees what bypasses PocketBase's record API: the stale sweep's UPDATE (pb_hooks), a bulk
// import straight into data.db (tests/utils/seed_records.py), a delete by a superuser. The route
// GET /api/telemetry/aggregates reads these tables instead of the records where they answer the question
// exactly (pb_hooks/telemetry_lib.js). The backfill counts the records already stored.
// Idempotent: tables and triggers that exist already are rebuilt from the records, so a re-run stays exact.
const TABLE = "`_dev_telemetry_data`";
// The width of a duration bucket, in seconds (pb_hooks/telemetry_lib.js has the same).
const BUCKET = 10;

// name: [key columns with their types, the key expression of a row (R = NEW or OLD), a condition on R].
function rollups(hasNode, hasDuration) {
  const node = hasNode ? "COALESCE(R.`node`, '')" : "''";
  const code = "COALESCE(CAST(R.`exit_code` AS INTEGER), 0)";
  const day = "substr(R.`created`, 1, 10)";
  // The key columns in the order the route groups them, the day last: SQLite sums each table in one walk of its
  // primary key, without sorting, and checks the day of each row as it goes.
  const out = {
    _telemetry_rollup_day: [["day TEXT", "status TEXT"], [day, "R.`status`"], "1"],
    _telemetry_rollup_app: [["app TEXT", "status TEXT", "day TEXT"], ["R.`nsapp`", "R.`status`", day], "1"],
    _telemetry_rollup_type: [["type TEXT", "status TEXT", "day TEXT"], ["R.`type`", "R.`status`", day], "1"],
    _telemetry_rollup_node: [["node TEXT", "status TEXT", "day TEXT"], [node, "R.`status`", day], node + " <> ''"],
    _telemetry_rollup_code: [["code INTEGER", "app TEXT", "status TEXT", "day TEXT"], [code, "R.`nsapp`", "R.`status`", day],
                             "R.`status` IN ('failed', 'unknown') AND " + code + " <> 0"],
  };
  if (hasDuration) {
    // Durations for the whole history (no day, no status: their values are many, a key more would multiply them),
    // each value with its count, and the same counted in buckets of 10 s (BUCKET), which say where a rank falls.
    out._telemetry_rollup_duration = [["app TEXT", "v NUMERIC"], ["R.`nsapp`", "R.`install_duration`"], "R.`install_duration` > 0"];
    out._telemetry_rollup_duration_bucket = [["app TEXT", "b INTEGER"], ["R.`nsapp`", "CAST(R.`install_duration` AS INTEGER) / " + BUCKET],
                                             "R.`install_duration` > 0"];
  }
  return out;
}

const TRIGGERS = ["telemetry_rollup_insert", "telemetry_rollup_update", "telemetry_rollup_delete"];

function dropAll(app) {
  for (const trigger of TRIGGERS) app.db().newQuery("DROP TRIGGER IF EXISTS `" + trigger + "`").execute();
  for (const name of Object.keys(rollups(true, true)).concat(["_telemetry_rollup_meta"])) {
    app.db().newQuery("DROP TABLE IF EXISTS `" + name + "`").execute();
  }
}

migrate((app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  const hasNode = !!collection.fields.getByName("node");
  const hasDuration = !!collection.fields.getByName("install_duration");
  const tables = rollups(hasNode, hasDuration);
  const run = (sql) => app.db().newQuery(sql).execute();
  dropAll(app);
  // The version counts every change of the records: the route keeps an answer only as long as it holds.
  run("CREATE TABLE `_telemetry_rollup_meta` (k TEXT PRIMARY KEY NOT NULL, v INTEGER NOT NULL) WITHOUT ROWID");
  run("INSERT INTO `_telemetry_rollup_meta` (k, v) VALUES ('version', 0)");
  const add = [], remove = [];  // the statements of the triggers, for R = NEW and R = OLD
  for (const [name, [columns, keys, condition]] of Object.entries(tables)) {
    const names = columns.map((column) => column.split(" ")[0]);
    run("CREATE TABLE `" + name + "` (" + columns.map((column) => column + " NOT NULL").join(", ") +
        ", n INTEGER NOT NULL, PRIMARY KEY (" + names.join(", ") + ")) WITHOUT ROWID");
    const expressions = (row) => keys.map((key) => key.split("R.").join(row + "."));
    run("INSERT INTO `" + name + "` (" + names.join(", ") + ", n) SELECT " + expressions(TABLE).join(", ") + ", COUNT(*) FROM " +
        TABLE + " WHERE " + condition.split("R.").join(TABLE + ".") + " GROUP BY " + names.map((dummy, i) => i + 1).join(", "));
    const upsert = (row, delta) => "INSERT INTO `" + name + "` (" + names.join(", ") + ", n) SELECT " + expressions(row).join(", ") +
      ", " + delta + " WHERE " + condition.split("R.").join(row + ".") + " ON CONFLICT (" + names.join(", ") +
      ") DO UPDATE SET n = n + excluded.n;";
    add.push(upsert("NEW", 1));
    remove.push(upsert("OLD", -1));
    remove.push("DELETE FROM `" + name + "` WHERE " + names.map((column, i) => column + " = " + expressions("OLD")[i]).join(" AND ") +
                " AND n = 0;");
  }
  const bump = "UPDATE `_telemetry_rollup_meta` SET v = v + 1 WHERE k = 'version';";
  const watched = ["nsapp", "status", "type", "created", "exit_code"].concat(hasNode ? ["node"] : [], hasDuration ? ["install_duration"] : []);
  run("CREATE TRIGGER `telemetry_rollup_insert` AFTER INSERT ON " + TABLE + " BEGIN " + add.join(" ") + " " + bump + " END");
  run("CREATE TRIGGER `telemetry_rollup_delete` AFTER DELETE ON " + TABLE + " BEGIN " + remove.join(" ") + " " + bump + " END");
  run("CREATE TRIGGER `telemetry_rollup_update` AFTER UPDATE ON " + TABLE + " WHEN " +
      watched.map((column) => "OLD.`" + column + "` IS NOT NEW.`" + column + "`").join(" OR ") +
      " BEGIN " + remove.join(" ") + " " + add.join(" ") + " " + bump + " END");
}, (app) => {
  dropAll(app);
});
