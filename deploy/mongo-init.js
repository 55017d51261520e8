// Run by the compose service mongo-init (mongosh, directly on mongo1), once per
// `docker compose up`; safe to run again. Initiates the replica set rs0 if it
// is not yet, waits for a primary, then creates the service's user (or sets
// its password to APP_DB_PASSWORD) with readWrite on its database only.
const env = process.env;
const admin = db.getSiblingDB("admin");
admin.auth(env.MONGO_ROOT_USERNAME, env.MONGO_ROOT_PASSWORD);

let initiated = true;
try {
  rs.status();
} catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  initiated = false;
}
if (!initiated) {
  rs.initiate({
    _id: "rs0",
    members: [
      { _id: 0, host: "mongo1:27017", priority: 2 },
      { _id: 1, host: "mongo2:27017", priority: 1 },
      { _id: 2, host: "mongo3:27017", priority: 1 },
    ],
  });
  print("replica set rs0 initiated");
}

// The user is created on the primary (the one writable node).
const deadline = Date.now() + 120000;
while (!db.hello().isWritablePrimary) {
  if (Date.now() > deadline) throw new Error("no primary within 120 s");
  sleep(1000);
}

const appDb = db.getSiblingDB(env.APP_DATABASE);
const roles = [{ role: "readWrite", db: env.APP_DATABASE }];
const options = { writeConcern: { w: "majority", wtimeout: 60000 } };
if (appDb.getUser(env.APP_DB_USERNAME) === null) {
  appDb.createUser({ user: env.APP_DB_USERNAME, pwd: env.APP_DB_PASSWORD, roles }, options.writeConcern);
  print(`user ${env.APP_DB_USERNAME} created on ${env.APP_DATABASE}`);
} else {
  appDb.updateUser(env.APP_DB_USERNAME, { pwd: env.APP_DB_PASSWORD, roles }, options.writeConcern);
  print(`user ${env.APP_DB_USERNAME} updated on ${env.APP_DATABASE}`);
}
