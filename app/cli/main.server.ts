import { parseArgs } from "node:util";
import { EnvError } from "~/env.server";
import { commands, type CommandIo } from "./commands.server";

/** `npx reclaim <command> [options]`: returns the process exit code. */
export async function main(argv: string[], out = console.log, err = console.error): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    out(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    err(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  let values: CommandIo["values"];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true }));
  } catch (error) {
    err(`${(error as Error).message}\n\n${command.usage}`);
    return 2;
  }
  try {
    return (await command.run({ values, positionals, out, err })) ?? 0;
  } catch (error) {
    // A clear sentence, not a stack trace: EnvError and friends carry one.
    err(error instanceof EnvError ? error.message : `reclaim ${name} failed: ${(error as Error).message}`);
    return 1;
  }
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return ["Usage: npx reclaim <command> [options]", "", "Commands:", ...lines, `  ${"help".padEnd(width)}  Show this help.`].join("\n");
}
