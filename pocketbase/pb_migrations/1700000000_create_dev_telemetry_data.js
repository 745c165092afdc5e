/// <reference path="../pb_data/types.d.ts" />
// The telemetry collection of the Proxmox VE community scripts, as the
// contract describes it (community_scripts.telemetry, pocketbase/README.md).
// Idempotent: a server that already has the collection keeps it unchanged.
migrate((app) => {
  try {
    app.findCollectionByNameOrId("_dev_telemetry_data");
    return;
  } catch (_) {
    // not found: create it below
  }
  const collection = new Collection({
    type: "base",
    name: "_dev_telemetry_data",
    // Open rules, as the original public collection: anyone may create, list, view and update.
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: null,
    fields: [
      { name: "random_id", type: "text", required: true, max: 64 },
      { name: "type", type: "select", required: true, maxSelect: 1, values: ["lxc", "vm", "addon", "pve"] },
      // ct_type is never 0, so it can be required; the other numbers cannot:
      // PocketBase treats a required number of 0 as missing.
      { name: "ct_type", type: "number", required: true, onlyInt: true, min: 1, max: 2 },
      { name: "nsapp", type: "text", required: true },
      { name: "status", type: "select", required: true, maxSelect: 1, values: ["installing", "sucess", "failed", "unknown"] },
      { name: "disk_size", type: "number" },
      { name: "core_count", type: "number" },
      { name: "ram_size", type: "number" },
      { name: "os_type", type: "text" },
      { name: "os_version", type: "text" },
      { name: "pve_version", type: "text" },
      { name: "method", type: "text" },
      { name: "error", type: "text", max: 20000 },
      { name: "exit_code", type: "number", onlyInt: true },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [
      "CREATE UNIQUE INDEX `idx_dev_telemetry_random_id` ON `_dev_telemetry_data` (`random_id`)",
    ],
  });
  app.save(collection);
}, (app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  app.delete(collection);
});
