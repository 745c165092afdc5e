/// <reference path="../pb_data/types.d.ts" />
// Richer records for self-hosted backends (community_scripts.telemetry, pocketbase/README.md).
// Additive: three optional fields that the modules send only when asked to, and an index on
// (created, id) for time windows and keyset paging. A record without them stays valid, and a
// client that never sends them (the contract's body) is unaffected.
// Idempotent: a field or index that exists already is left as it is.
migrate((app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  const fields = [
    // The Proxmox VE node or inventory host that ran the install.
    { name: "node", type: "text", max: 255 },
    // Seconds from the create to the finish.
    { name: "install_duration", type: "number", min: 0 },
    // The tail of the failing step's output: at most 20 lines and 4 KB, addresses masked by the client.
    { name: "error_detail", type: "text", max: 4096 },
  ];
  for (const field of fields) {
    if (!collection.fields.getByName(field.name)) {
      collection.fields.add(new Field(field));
    }
  }
  if (!collection.indexes.some((index) => index.includes("idx_dev_telemetry_created"))) {
    collection.addIndex("idx_dev_telemetry_created", false, "`created`, `id`", "");
  }
  app.save(collection);
}, (app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  for (const name of ["node", "install_duration", "error_detail"]) {
    collection.fields.removeByName(name);
  }
  collection.removeIndex("idx_dev_telemetry_created");
  app.save(collection);
});
