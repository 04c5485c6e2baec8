import type { ParseArgsConfig } from "node:util";
import { migrateDatabase } from "./db.server";
import { hashCommand } from "./hash.server";
import { privacyCommands } from "./privacy.server";
import { serve } from "./serve.server";
import { sightingsCommands } from "./sightings.server";
import { staffCommands } from "./staff.server";

export interface CommandIo {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  summary: string;
  usage: string;
  options?: ParseArgsConfig["options"];
  run(io: CommandIo): Promise<number | void>;
}

export const commands: Record<string, Command> = {
  serve: {
    summary: "Migrate the database and serve the portal (PORT, default 3000).",
    usage: "Usage: npx reclaim serve",
    run: () => serve(),
  },
  "db:migrate": {
    summary: "Apply pending database migrations to DATABASE_URL.",
    usage: "Usage: npx reclaim db:migrate",
    run: ({ out }) => migrateDatabase(out),
  },
  hash: hashCommand,
  ...privacyCommands,
  ...sightingsCommands,
  ...staffCommands,
};
