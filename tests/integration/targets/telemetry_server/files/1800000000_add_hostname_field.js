/// <reference path="../pb_data/types.d.ts" />
// A stand-in for a schema change in a later collection version: one more field.
migrate((app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  collection.fields.add(new TextField({ name: "hostname_hash", max: 128 }));
  app.save(collection);
}, (app) => {
  const collection = app.findCollectionByNameOrId("_dev_telemetry_data");
  collection.fields.removeByName("hostname_hash");
  app.save(collection);
});
