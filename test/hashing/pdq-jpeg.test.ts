/**
 * PDQ of the reference JPEG fixtures, decoded with libjpeg-turbo (WebAssembly),
 * under our large-image policy: hash at full resolution
 * (docs/decisions/004-pdq-large-images.md).
 *
 * The C++ CLI decoded with libjpeg-turbo too, and the Java hasher with ImageIO:
 * wherever they hashed the same pixels as we do, we give their hash bit for
 * bit. The only differences left are the CLI's 512x512 squash of the bridge
 * images; the distances below are the measured ones, so any drift shows up.
 */
import { describe, expect, it } from "vitest";

import { decodeImage, decodePnm } from "~/hashing/image-decode.server";
import { MATCH_DISTANCE, hammingDistance, pdqFromRgba } from "~/hashing/pdq";

import { readCsv, readFixture, squashLikeCppCli } from "./fixtures";

const decodedCache = new Map<string, ReturnType<typeof decodeImage>>();

function decodedFixture(relative: string) {
  let decoded = decodedCache.get(relative);
  if (!decoded) {
    decoded = decodeImage(readFixture(relative));
    decodedCache.set(relative, decoded);
  }
  return decoded;
}

function hashJpeg(relative: string, policy: "full" | "squash" = "full") {
  const decoded = decodedFixture(relative);
  const image = policy === "full" ? decoded : squashLikeCppCli(decoded);
  return pdqFromRgba(image.data, image.width, image.height, 4, { greyscale: decoded.greyscale });
}

const cliRows = readCsv("expected-pdq.csv");
const trustworthy = cliRows.filter((row) => Number(row.quality) >= 80);

/**
 * Measured distance at full resolution to the C++ CLI's hash: only the bridge
 * images (1600x1004 and 1004x1600), which the CLI squashed to 512x512 first.
 * Every other fixture is at most 512 px and gives the CLI's hash exactly.
 */
const FULL_RESOLUTION_DISTANCE: Record<string, number> = {
  "images/reg-test-input/dih/bridge-1-original.jpg": 6,
  "images/reg-test-input/dih/bridge-2-rotate-90.jpg": 8,
  "images/reg-test-input/dih/bridge-3-rotate-180.jpg": 6,
  "images/reg-test-input/dih/bridge-4-rotate-270.jpg": 2,
  "images/reg-test-input/dih/bridge-5-flipx.jpg": 2,
  "images/reg-test-input/dih/bridge-6-flipy.jpg": 8,
  "images/reg-test-input/dih/bridge-7-flip-plus-1.jpg": 6,
  "images/reg-test-input/dih/bridge-8-flip-minus-1.jpg": 6,
};

describe("full-resolution PDQ of the reference JPEGs", () => {
  it("covers every quality >= 80 row of expected-pdq.csv", () => {
    expect(trustworthy.length).toBe(18);
  });

  for (const row of trustworthy) {
    const measured = FULL_RESOLUTION_DISTANCE[row.path] ?? 0;
    const title = measured ? `is ${measured} bits from` : "equals";
    it(`${row.path} ${title} the C++ CLI hash`, () => {
      const { hash, quality } = hashJpeg(row.path);
      const distance = hammingDistance(hash, row.hash);
      expect(distance).toBeLessThanOrEqual(10);
      expect(distance).toBe(measured);
      expect(quality).toBe(Number(row.quality));
    });
  }

  const java = readCsv("other-implementations.csv").filter((row) =>
    row.implementation.startsWith("Java")
  );

  it("reproduces the Java reference hasher (full resolution)", () => {
    expect(java.map((row) => row.path)).toEqual([
      "images/reg-test-input/dih/bridge-1-original.jpg",
      "images/reg-test-input/dih/bridge-2-rotate-90.jpg",
    ]);
    const [bridge1, bridge2] = java.map((row) =>
      hammingDistance(hashJpeg(row.path).hash, row.hash)
    );
    // Bit for bit, although Java decodes with ImageIO: its pixels are libjpeg's too.
    expect(bridge1).toBe(0);
    expect(bridge2).toBe(0);
    // PDQHasherTest.java also asserts this distance between its two values.
    expect(hammingDistance(java[0].hash, java[1].hash)).toBe(120);
  });

  it("gives even the low-quality images (unstable bits by design) the CLI's hash", () => {
    const low = cliRows.filter((r) => Number(r.quality) < 80);
    expect(low.map((row) => row.path.split("/").pop())).toEqual([
      "q0003.jpg",
      "q0004.jpg",
      "small.jpg",
    ]);
    for (const row of low) {
      expect(hashJpeg(row.path)).toEqual({ hash: row.hash, quality: Number(row.quality) });
    }
  });

  it("equals the other implementations' values wherever they hash full-resolution libjpeg pixels", () => {
    // The pure-Python rows resize with PIL first and the 2019 C++ doc value is stale (see the CSV).
    const sameInput = readCsv("other-implementations.csv").filter(
      (row) => row.implementation.startsWith("Java") || row.note.startsWith("same as C++")
    );
    expect(sameInput).toHaveLength(8);
    for (const row of sameInput) expect(hashJpeg(row.path).hash, row.path).toBe(row.hash);
  });
});

describe("decoding", () => {
  it("gives the pixels the C++ CLI saw, byte for byte", () => {
    // decoded/*.ppm: CImg + libjpeg-turbo, then the CLI's 512x512 squash.
    for (const row of readCsv("expected-decoded.csv")) {
      const reference = decodePnm(readFixture(row.path));
      const ours = squashLikeCppCli(decodedFixture(row.decoded_from));
      expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
      expect(Buffer.from(ours.data).equals(Buffer.from(reference.data)), row.path).toBe(true);
    }
  });
});

describe("the C++ CLI's 512x512 squash, for comparison only", () => {
  // Not our policy. This shows that the bridge differences above come from
  // the CLI's resize and not from our PDQ or decoder: doing what the CLI does
  // reproduces its hashes exactly.
  for (const row of cliRows.filter((r) => r.path.includes("/dih/"))) {
    it(`${row.path}: squashed, equals the CLI hash bit for bit`, () => {
      expect(hashJpeg(row.path, "squash").hash).toBe(row.hash);
    });
  }

  it("is itself 6 to 8 bits from Java's full-resolution values", () => {
    const java = readCsv("other-implementations.csv").filter((row) =>
      row.implementation.startsWith("Java")
    );
    const distances = java.map((row) =>
      hammingDistance(hashJpeg(row.path, "squash").hash, row.hash)
    );
    expect(distances).toEqual([6, 8]);
    expect(Math.max(...distances)).toBeLessThan(MATCH_DISTANCE);
  });
});

describe("the dihedral fixtures", () => {
  it("every bridge variant at full resolution still matches the CLI's hash for it", () => {
    for (const row of readCsv("expected-dihedral.csv").filter((r) => r.path.includes("/dih/"))) {
      const distance = hammingDistance(hashJpeg(row.path).hash, row.original);
      expect(distance).toBeLessThanOrEqual(MATCH_DISTANCE);
    }
  });
});
