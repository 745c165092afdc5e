/// <reference path="../pb_data/types.d.ts" />
// Shipped by the community_scripts.telemetry.telemetry_server role, applied once: every collection the
// telemetry does not use (on a new server, PocketBase's default `users`) is left to superusers only.
// No anonymous sign-up, sign-in, listing or change, and its files are protected (no anonymous download).
// An administrator may open a collection again afterwards; this migration does not run a second time.
migrate((app) => {
  for (const collection of app.findAllCollections()) {
    if (collection.system || collection.name === "_dev_telemetry_data") {
      continue;
    }
    collection.listRule = null;
    collection.viewRule = null;
    if (collection.type !== "view") {
      collection.createRule = null;
      collection.updateRule = null;
      collection.deleteRule = null;
    }
    if (collection.type === "auth") {
      collection.authRule = null;
      collection.manageRule = null;
      collection.passwordAuth.enabled = false;
      collection.oauth2.enabled = false;
      collection.otp.enabled = false;
    }
    for (const field of collection.fields) {
      if (field.type() === "file") {
        field.protected = true;
      }
    }
    app.save(collection);
  }
}, (app) => {
  // nothing to undo: opening collections again is an administrator's decision
});
