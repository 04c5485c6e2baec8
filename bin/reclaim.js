#!/usr/bin/env node
// The command-line entry: `npx reclaim <command>`. The commands are TypeScript,
// run through tsx so the CLI shares the app's own modules.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../app/cli/main.server.ts");
process.exitCode = await main(process.argv.slice(2));
