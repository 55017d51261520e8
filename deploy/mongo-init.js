// Run by the compose service mongo-init (mongosh, connected directly to mongo1)
// on every `docker compose up`; safe to run again. Initiates the replica set
// rs0 if it is not yet, waits for a primary (whichever member it is), then
// creates the service's user there, or sets its password to APP_DB_PASSWORD,
// with readWrite on its database only.
const env = process.env;
db.getSiblingDB("admin").auth(env.MONGO_ROOT_USERNAME, env.MONGO_ROOT_PASSWORD);

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

// Users are written on the primary; after a failover it need not be mongo1.
function primaryName() {
  const members = rs.status().members || [];
  const primary = members.find((member) => member.stateStr === "PRIMARY");
  return primary ? primary.name : null;
}
const deadline = Date.now() + 120000;
let name = primaryName();
while (name === null) {
  if (Date.now() > deadline) throw new Error("rs0 has no primary after 120 s");
  sleep(1000);
  name = primaryName();
}
const primary = new Mongo(`mongodb://${name}/?directConnection=true`);
primary.getDB("admin").auth(env.MONGO_ROOT_USERNAME, env.MONGO_ROOT_PASSWORD);

const appDb = primary.getDB(env.APP_DATABASE);
const roles = [{ role: "readWrite", db: env.APP_DATABASE }];
const majority = { w: "majority", wtimeout: 60000 };
if (appDb.getUser(env.APP_DB_USERNAME) === null) {
  appDb.createUser({ user: env.APP_DB_USERNAME, pwd: env.APP_DB_PASSWORD, roles }, majority);
  print(`user ${env.APP_DB_USERNAME} created in ${env.APP_DATABASE} on ${name}`);
} else {
  appDb.updateUser(env.APP_DB_USERNAME, { pwd: env.APP_DB_PASSWORD, roles }, majority);
  print(`user ${env.APP_DB_USERNAME} updated in ${env.APP_DATABASE} on ${name}`);
}
