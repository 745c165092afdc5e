/// <reference path="../pb_data/types.d.ts" />
// Richer records for self-hosted backends (community_scripts.telemetry, pocketbase/README.md).
// Additive: three optional fields that the modules send only when asked to, and indexes for the
// fleet questions: (created, id) for time windows and keyset paging; the dimensions of the aggregates
// in the order the server's hooks group them (pocketbase/pb_hooks), so that one walk of a narrow index
// counts them without sorting; (nsapp, install_duration, then the filtered columns) for the duration
// percentiles. Both cover every filter pve_telemetry_info takes, so no question reads the table itself. A record without them stays valid, and a
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
  const indexes = {
    idx_dev_telemetry_created: "`created`, `id`",
    // created at the end: the index then covers the query (no table reads), whatever SQLite thinks of substr().
    idx_dev_telemetry_dimensions: "`nsapp`, `status`, `type`, `node`, substr(`created`, 1, 10), `exit_code`, `created`",
    idx_dev_telemetry_durations: "`nsapp`, `install_duration`, `status`, `type`, `created`",
  };
  for (const [name, columns] of Object.entries(indexes)) {
    if (!collection.indexes.some((index) => index.includes(name))) {
      collection.addIndex(name, false, columns, "");
    }
  }
  app.save(collection);
}, (app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  for (const name of ["node", "install_duration", "error_detail"]) {
    collection.fields.removeByName(name);
  }
  for (const name of ["idx_dev_telemetry_created", "idx_dev_telemetry_dimensions", "idx_dev_telemetry_durations"]) {
    collection.removeIndex(name);
  }
  app.save(collection);
});
