// Runs calls through the real `convex` npm client, as the panel makes them.
// stdin: {"url", "token"?, "package"?: "convex" | "convex-latest" (an npm alias),
//         "adminAuth"?: true (setAdminAuth: "Authorization: Convex <token>"),
//         "calls": [{"kind": "query"|"mutation"|"action"|"fetchQuery",
//         "fn": "users.list" (through `api`, as the panel) | "audit_logs:list" (a string),
//         "args": <convex_encoded_json>, "setAuth"?: false, "url"?: override}]}
// stdout: one JSON array, per call {"ok": true, "value": <convex_encoded_json>} or
//         {"ok": false, "name", "message", "data"?: <convex_encoded_json>}.
// Encoded JSON both ways, so BigInt, NaN, -0 and bytes survive the trip to Python.
const plan = JSON.parse(require("fs").readFileSync(0, "utf8"));
const pkg = plan.package ?? "convex";
if (!["convex", "convex-latest"].includes(pkg)) throw new Error(`unknown package ${pkg}`);
const { ConvexHttpClient } = require(`${pkg}/browser`);
const { anyApi } = require(`${pkg}/server`);
const { fetchQuery } = require(`${pkg}/nextjs`);
const { jsonToConvex, convexToJson, ConvexError } = require(`${pkg}/values`);

function reference(fn) {
  if (fn.includes(":")) return fn; // the panel's 'audit_logs:list'
  return fn.split(".").reduce((ref, part) => ref[part], anyApi);
}

async function run(plan) {
  const results = [];
  const clients = new Map();
  for (const call of plan.calls) {
    const url = call.url ?? plan.url;
    const token = call.token === undefined ? plan.token : call.token;
    if (!clients.has(url + "\n" + token)) {
      const client = new ConvexHttpClient(url);
      if (token && plan.adminAuth) client.setAdminAuth(token);
      else if (token) client.setAuth(token); // the panel's one line of auth
      clients.set(url + "\n" + token, client);
    }
    const client = clients.get(url + "\n" + token);
    const args = jsonToConvex(call.args ?? {});
    try {
      let value;
      if (call.kind === "fetchQuery") {
        value = await fetchQuery(reference(call.fn), args, { url, token: token || undefined });
      } else {
        value = await client[call.kind](reference(call.fn), args);
      }
      results.push({ ok: true, value: convexToJson(value === undefined ? null : value) });
    } catch (error) {
      const result = { ok: false, name: error.name, message: error.message };
      if (error instanceof ConvexError) result.data = convexToJson(error.data);
      results.push(result);
    }
  }
  return results;
}

// The client logs each function error; only the results go to stdout.
console.log = console.error;
run(plan).then((results) => process.stdout.write(JSON.stringify(results)));
