import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the server is started from there, as `npm start` does. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The quick exit target the e2e server is given. It is never really fetched
 * (this machine has no internet): the browser helpers answer it with a small
 * neutral page. It is the app's documented default, set explicitly so a
 * QUICK_EXIT_URL in the developer's shell cannot change the tests.
 */
export const QUICK_EXIT_URL = "https://www.bbc.com/weather";

export interface PortalServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** The environment the server was given (the Reclaim variables only). */
  env: Record<string, string>;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra or overriding environment variables (for example another QUICK_EXIT_URL). */
  env?: Record<string, string>;
  /** Also copy the server's output to this file. */
  logFile?: string;
  /** How long to wait for /healthz. */
  timeoutMs?: number;
  /**
   * Serve a copy of the build taken now (default), so that someone running
   * `remix build` in the same working tree during the tests cannot swap the
   * browser assets under the running server. E2E_NO_SNAPSHOT=1 turns it off.
   */
  snapshot?: boolean;
}

/**
 * Start the production build the way an operator does, `node bin/reclaim.js serve`,
 * on a free port, with a throw-away SQLite database and data folder (so the
 * generated secrets land there too). Resolves once GET /healthz answers ok.
 */
export async function startPortal({
  env = {},
  logFile,
  timeoutMs = 60_000,
  snapshot = process.env.E2E_NO_SNAPSHOT !== "1",
}: StartOptions = {}): Promise<PortalServer> {
  if (!existsSync(path.join(ROOT, "build/index.js"))) {
    throw new Error(`No production build in ${ROOT}/build: run "npm run build" first ("npm run test:e2e" does it for you).`);
  }
  const tmp = mkdtempSync(path.join(tmpdir(), "reclaim-e2e-"));
  const port = await freePort();
  const reclaimEnv: Record<string, string> = {
    NODE_ENV: "production",
    LOG_LEVEL: "error",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: `file:${path.join(tmp, "reclaim.sqlite")}`,
    RECLAIM_DATA_DIR: path.join(tmp, "data"),
    QUICK_EXIT_URL,
    ...env,
  };
  // tsx reads the tsconfig (for the ~/ paths) from the working folder unless told.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json"), ...reclaimEnv };
  // A secret from the developer's shell would hide the generated-secret path.
  if (!("SESSION_SECRET" in env)) delete childEnv.SESSION_SECRET;

  const cwd = snapshot ? await snapshotBuild(path.join(tmp, "app")) : ROOT;
  const child = spawn(process.execPath, [path.join(ROOT, "bin/reclaim.js"), "serve"], {
    cwd,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let log: ReturnType<typeof createWriteStream> | undefined;
  if (logFile) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    log = createWriteStream(logFile, { flags: "w" });
  }
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log?.write(chunk);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    await waitForHealth(url, exited, timeoutMs);
  } catch (error) {
    await kill(child, exited);
    log?.end();
    cleanup();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output || "(none)"}`);
  }

  return {
    url,
    env: reclaimEnv,
    output: () => output,
    async stop() {
      await kill(child, exited);
      log?.end();
      cleanup();
    },
  };
}

/**
 * The server reads build/, public/, locales/ and migrations/ from its working
 * folder: copy them (a few MB) into `dir` with package.json, and link
 * node_modules, so the server has a build of its own. Copied again if a build
 * was being written meanwhile (the server build must name a manifest that the
 * copied browser build has).
 */
async function snapshotBuild(dir: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const name of ["build", "public", "locales", "migrations"]) {
      if (existsSync(path.join(ROOT, name))) cpSync(path.join(ROOT, name), path.join(dir, name), { recursive: true });
    }
    writeFileSync(path.join(dir, "package.json"), readFileSync(path.join(ROOT, "package.json")));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const manifest = readFileSync(path.join(dir, "build/index.js"), "utf8").match(/\/build\/manifest-[\w-]+\.js/)?.[0];
    if (!manifest || existsSync(path.join(dir, "public", manifest))) return dir;
    if (attempt === 5) throw new Error(`The build in ${ROOT} is inconsistent (no public${manifest}); run "npm run build" again.`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function waitForHealth(url: string, exited: Promise<number | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`The server exited (code ${exitCode}) before /healthz answered.`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      last = `${res.status} ${body}`;
      if (res.ok && JSON.parse(body).status === "ok") return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`The server did not become healthy within ${timeoutMs} ms (last answer: ${last}).`);
}

/** SIGTERM (the server closes cleanly), then SIGKILL if it has not gone after 5 s. */
async function kill(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port nobody is listening on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
