import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digitsOnly } from "~/cases/format";
import { Client, fileRequest, mainText, VALID_REQUEST } from "../support/client";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../support/databases";

/**
 * Server logs carry no personal data. The whole victim flow runs against a
 * real server process (`node bin/reclaim.js serve`, LOG_LEVEL=info), with a
 * wrong secret, a page that does not exist and a malformed form on the way,
 * followed by the retention job and the audit check from the command line;
 * then every line any of them printed is searched for the e-mail addresses,
 * the secret and the reference, in every spelling.
 */

const EMAIL = "leak.canary.person@example.org";
const NEW_EMAIL = "second.canary@example.org";
const MESSAGE = "Canary message: my name is Alexandra Leakwood";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe.each(databaseKinds)("logs of a real server [%s]", (kind) => {
  let database: TestDatabase | undefined;
  let child: ChildProcess;
  let output = "";
  let url = "";
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let exited: Promise<unknown>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "reclaim-leak-"));
    const port = await freePort();
    let databaseUrl = `file:${path.join(dir, "reclaim.sqlite")}`;
    if (kind === "postgres") {
      database = await createTestDatabase("postgres", { migrate: false });
      databaseUrl = database.url;
    }
    env = {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      RECLAIM_DATA_DIR: path.join(dir, "data"),
    };
    delete env.SESSION_SECRET;
    child = spawn(process.execPath, ["bin/reclaim.js", "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => child.once("exit", resolve));
    url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 300 || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await database?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the whole victim flow and logs neither the e-mail, nor the secret, nor the reference", async () => {
    const client = new Client(url);
    const { reference, secret } = await fileRequest(client, { ...VALID_REQUEST, contact: { contactMethod: "email", email: EMAIL, organisation: "" } } as any);

    // The receipt file, a wrong secret, a sign-in as typed, a malformed body, a page that does not exist.
    expect((await client.post("/request/receipt", { reference, secret })).status).toBe(200);
    const other = new Client(url);
    expect((await other.post("/case", { reference, secret: "1234 5678 9012 3456" })).status).toBe(400);
    expect((await other.post("/case", { reference, secret })).status).toBe(302);
    await fetch(`${url}/case/${digitsOnly(reference)}?secret=${digitsOnly(secret)}&email=${encodeURIComponent(EMAIL)}`);
    await fetch(`${url}/case`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ reference, secret, email: EMAIL }) });

    // Everything a requester can do.
    expect((await other.get("/case/status")).status).toBe(200);
    expect((await other.post("/case/items", { urls: "https://another.example/x", pdq: "", sha256: "", md5: "", references: "" })).status).toBe(302);
    expect((await other.post("/case/messages", { body: MESSAGE })).status).toBe(302);
    expect((await other.get("/case/messages")).status).toBe(200);
    expect((await other.post("/case/preferences", { intent: "contact", contactMethod: "email", email: NEW_EMAIL, organisation: "" })).status).toBe(302);
    expect((await other.post("/case/preferences", { intent: "contact", contactMethod: "email", email: "not an address", organisation: "" })).status).toBe(400);
    expect(mainText(await (await other.get("/case/export")).text())).toContain(NEW_EMAIL);
    expect((await other.get("/case/export.json")).status).toBe(200);
    expect((await other.post("/case/withdraw", {})).status).toBe(302);
    expect((await other.post("/case/erase", {})).status).toBe(400);
    expect((await other.post("/case/erase", { confirm: "yes" })).status).toBe(302);
    expect((await new Client(url).post("/case", { reference, secret })).status).toBe(400);

    // The command line the operator runs, against the same database.
    const cli = (command: string) => spawnSync(process.execPath, ["bin/reclaim.js", command], { env, encoding: "utf8" });
    const retention = cli("retention:run");
    expect(retention.status).toBe(0);
    const verify = cli("audit:verify");
    expect(verify.status).toBe(0);

    child.kill("SIGTERM");
    await exited;
    const logs = [output, retention.stdout, retention.stderr, verify.stdout, verify.stderr].join("\n");
    // The logs were really written at info level.
    expect(logs).toContain("Reclaim is running on");
    expect(logs).toContain("retention: deleted");
    expect(logs).toContain("Audit chain intact");

    const digits = digitsOnly(reference);
    const secretDigits = digitsOnly(secret);
    const needles = [
      EMAIL,
      EMAIL.split("@")[0],
      NEW_EMAIL,
      encodeURIComponent(EMAIL),
      secret,
      secretDigits,
      secretDigits.slice(0, 8),
      reference,
      digits,
      "Alexandra Leakwood",
      "another.example",
      "files.example.net",
    ];
    for (const needle of needles) expect(logs, `the logs contain "${needle}"`).not.toContain(needle);
  });
});
