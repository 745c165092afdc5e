/// <reference path="../pb_data/types.d.ts" />
// Server-side hooks of the telemetry collection (community_scripts.telemetry, pocketbase/README.md).
// Start PocketBase with --hooksDir pointing here. The code lives in telemetry_lib.js: PocketBase runs
// each handler in its own context, so a handler reaches shared code only through require().

// GET /api/telemetry/aggregates?app=&status=&type=&since=&before=: the fleet's aggregates, computed
// with SQL. Open collection (listRule ""): anyone may ask. Otherwise: superusers only (403).
routerAdd("GET", "/api/telemetry/aggregates", (e) => {
  return require(`${__hooks}/telemetry_lib.js`).aggregatesRoute(e);
});

// Attempts left `installing` for longer than TELEMETRY_STALE_AFTER (default 6h) become `unknown`:
// once at start, then every 5 minutes.
onBootstrap((e) => {
  e.next();
  require(`${__hooks}/telemetry_lib.js`).closeStaleSafely(e.app);
});

cronAdd("telemetry_close_stale", "*/5 * * * *", () => {
  require(`${__hooks}/telemetry_lib.js`).closeStaleSafely($app);
});
