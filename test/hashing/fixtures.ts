/**
 * Access to the PDQ fixtures in the `shared/` folder beside the project root
 * (see shared/fixtures/pdq/SOURCE.txt for their provenance).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const FIXTURES = path.resolve(process.cwd(), "../shared/fixtures/pdq");

if (!existsSync(path.join(FIXTURES, "SOURCE.txt"))) {
  throw new Error(`PDQ fixtures not found at ${FIXTURES} (run the tests from the project root)`);
}

export function fixturePath(relative: string): string {
  return path.join(FIXTURES, relative);
}

export function readFixture(relative: string): Buffer {
  return readFileSync(fixturePath(relative));
}

/** Rows of a fixture CSV as objects keyed by the header (no quoted fields in these files). */
export function readCsv(relative: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(fixturePath(relative), "utf8").trim().split(/\r?\n/);
  const keys = header.split(",");
  return lines.map((line) => {
    const values = line.split(",");
    return Object.fromEntries(keys.map((key, i) => [key, values[i] ?? ""]));
  });
}

/**
 * What the reference C++ CLI (pdq/cpp/io/pdqio.cpp) does before hashing: an
 * image wider or taller than 512 px becomes exactly 512x512 by CImg's
 * nearest-neighbour `resize` (source index floor(i * old / 512), aspect ratio
 * not kept). Used only to measure that policy against ours.
 */
export function squashLikeCppCli(image: { width: number; height: number; data: Uint8Array }): {
  width: number;
  height: number;
  data: Uint8Array;
} {
  const { width, height, data } = image;
  if (width <= 512 && height <= 512) return image;
  const out = new Uint8Array(512 * 512 * 4);
  for (let y = 0; y < 512; y++) {
    const sy = Math.floor((y * height) / 512);
    for (let x = 0; x < 512; x++) {
      const sx = Math.floor((x * width) / 512);
      const s = (sy * width + sx) * 4;
      out.set(data.subarray(s, s + 4), (y * 512 + x) * 4);
    }
  }
  return { width: 512, height: 512, data: out };
}
