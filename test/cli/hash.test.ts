import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "~/cli/main.server";
import { fixturePath, readCsv } from "../hashing/fixtures";

/** `npx reclaim hash FILE…`, run in-process as bin/reclaim.js runs it. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (line) => out.push(line), (line) => err.push(line));
  return { code, out, err };
}

const expected = Object.fromEntries(readCsv("expected-pdq.csv").map((row) => [row.path, row]));
const digests = (file: string) => {
  const bytes = readFileSync(file);
  return { sha256: createHash("sha256").update(bytes).digest("hex"), md5: createHash("md5").update(bytes).digest("hex") };
};

describe("reclaim hash", () => {
  it("prints one JSON line per file, with PDQ and quality for images, as Meta's reference hashes them", async () => {
    const images = ["images/reg-test-input/labelme-subset/q0291.jpg", "images/reg-test-input/labelme-subset/q0122.jpg", "images/misc-images/wee.jpg", "images/misc-images/small.jpg"];
    const { code, out, err } = await run("hash", ...images.map(fixturePath));
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(images.length);
    out.forEach((line, i) => {
      const parsed = JSON.parse(line);
      expect(Object.keys(parsed)).toEqual(["file", "pdq", "quality", "sha256", "md5"]);
      expect(parsed).toEqual({
        file: fixturePath(images[i]),
        pdq: expected[images[i]].hash,
        quality: Number(expected[images[i]].quality),
        ...digests(fixturePath(images[i])),
      });
    });
  });

  it("gives other files SHA-256 and MD5 only", async () => {
    const file = fixturePath("SOURCE.txt");
    const { code, out } = await run("hash", file);
    expect(code).toBe(0);
    expect(JSON.parse(out[0])).toStrictEqual({ file, ...digests(file) });
  });

  it("names a missing file on stderr, still hashes the others, and exits non-zero", async () => {
    const file = fixturePath("SOURCE.txt");
    const { code, out, err } = await run("hash", "/no/such/file.jpg", file);
    expect(code).toBe(1);
    expect(err).toEqual(["reclaim hash: /no/such/file.jpg: no such file"]);
    expect(out.map((line) => JSON.parse(line).file)).toEqual([file]);
  });

  it("refuses a folder, and says how to use it when no file is given", async () => {
    const folder = await run("hash", fixturePath("images"));
    expect(folder.code).toBe(1);
    expect(folder.err[0]).toMatch(/: not a file$/);
    const none = await run("hash");
    expect(none.code).toBe(2);
    expect(none.err.join("\n")).toContain("Usage: npx reclaim hash FILE…");
  });

  it("is listed in the help", async () => {
    const { out } = await run("help");
    expect(out.join("\n")).toMatch(/^\s+hash\s+Print the PDQ, SHA-256 and MD5 codes/m);
  });
});
