import { stat } from "node:fs/promises";
import { hashFile } from "~/hashing/image-decode.server";
import type { Command } from "./commands.server";

/**
 * `npx reclaim hash FILE…`: the codes the portal makes in the browser, made
 * here from files on this machine with the same modules (app/hashing/). One
 * JSON line per file; PDQ fields only for images (JPEG, PNG, PPM/PGM).
 * Files that cannot be read are reported on stderr and make the exit code 1;
 * the other files are still hashed.
 */
export const hashCommand: Command = {
  summary: "Print the PDQ, SHA-256 and MD5 codes of files, one JSON line each.",
  usage: "Usage: npx reclaim hash FILE…",
  async run({ positionals, out, err }) {
    if (positionals.length === 0) {
      err(`No file given.\n\n${hashCommand.usage}`);
      return 2;
    }
    let failed = 0;
    for (const file of positionals) {
      const problem = await unreadable(file);
      if (problem) {
        err(`reclaim hash: ${file}: ${problem}`);
        failed++;
        continue;
      }
      const result = await hashFile(file);
      if (result.pdqError) err(`reclaim hash: ${file}: no PDQ code (${result.pdqError})`);
      const line: Record<string, string | number> = { file };
      if (result.pdq !== undefined && result.quality !== undefined) {
        line.pdq = result.pdq;
        line.quality = result.quality;
      }
      line.sha256 = result.sha256;
      line.md5 = result.md5;
      out(JSON.stringify(line));
    }
    return failed ? 1 : 0;
  },
};

async function unreadable(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? null : "not a file";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EACCES") return "permission denied";
    return (error as Error).message;
  }
}
