import { execFileSync } from "node:child_process";

/**
 * The HTTP tests serve the real production build, so build it once per run
 * (about two seconds with the classic compiler).
 */
export default function setup() {
  try {
    execFileSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "build"], {
      stdio: "pipe",
      env: { ...process.env, NODE_ENV: "production" },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`remix build failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}
