/**
 * PDQ of the reference JPEG fixtures, decoded with jpeg-js, under our
 * large-image policy: hash at full resolution (docs/decisions/004-pdq-large-images.md).
 *
 * The expected values come from other decoders (libjpeg-turbo for the C++ CLI,
 * ImageIO for Java), so equality is not bit for bit; the bounds below are the
 * measured distances, so any drift in our pipeline shows up.
 */
import { describe, expect, it } from "vitest";

import { decodeImage } from "~/hashing/image-decode.server";
import { MATCH_DISTANCE, hammingDistance, pdqFromRgba } from "~/hashing/pdq";

import { readCsv, readFixture, squashLikeCppCli } from "./fixtures";

const decodedCache = new Map<string, ReturnType<typeof decodeImage>>();

function hashJpeg(relative: string, policy: "full" | "squash" = "full") {
  let decoded = decodedCache.get(relative);
  if (!decoded) {
    decoded = decodeImage(readFixture(relative));
    decodedCache.set(relative, decoded);
  }
  const image = policy === "full" ? decoded : squashLikeCppCli(decoded);
  return pdqFromRgba(image.data, image.width, image.height, 4, { greyscale: decoded.greyscale });
}

const cliRows = readCsv("expected-pdq.csv");
const trustworthy = cliRows.filter((row) => Number(row.quality) >= 80);

/**
 * Measured distance at full resolution to the C++ CLI's hash. Bridges: the CLI
 * squashed them to 512x512 first. q0122 and q0746 are 256x256, not resized by
 * either policy: their distance is the decoder (jpeg-js replicates 4:2:0
 * chroma, libjpeg-turbo interpolates it).
 */
const FULL_RESOLUTION_DISTANCE: Record<string, number> = {
  "images/reg-test-input/dih/bridge-1-original.jpg": 6,
  "images/reg-test-input/dih/bridge-2-rotate-90.jpg": 8,
  "images/reg-test-input/dih/bridge-3-rotate-180.jpg": 6,
  "images/reg-test-input/dih/bridge-4-rotate-270.jpg": 4,
  "images/reg-test-input/dih/bridge-5-flipx.jpg": 4,
  "images/reg-test-input/dih/bridge-6-flipy.jpg": 8,
  "images/reg-test-input/dih/bridge-7-flip-plus-1.jpg": 6,
  "images/reg-test-input/dih/bridge-8-flip-minus-1.jpg": 6,
  "images/reg-test-input/labelme-subset/q0122.jpg": 10,
  "images/reg-test-input/labelme-subset/q0746.jpg": 4,
};

describe("full-resolution PDQ of the reference JPEGs", () => {
  it("covers every quality >= 80 row of expected-pdq.csv", () => {
    expect(trustworthy.length).toBe(18);
  });

  for (const row of trustworthy) {
    it(`${row.path} is within 10 bits of the C++ CLI hash`, () => {
      const { hash, quality } = hashJpeg(row.path);
      const distance = hammingDistance(hash, row.hash);
      expect(distance).toBeLessThanOrEqual(10);
      expect(distance).toBeLessThanOrEqual(FULL_RESOLUTION_DISTANCE[row.path] ?? 0);
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
    expect(bridge1).toBeLessThanOrEqual(2); // measured 2; Java decodes with ImageIO
    expect(bridge2).toBe(0);
    // PDQHasherTest.java also asserts this distance between its two values.
    expect(hammingDistance(java[0].hash, java[1].hash)).toBe(120);
  });

  it("keeps low-quality images low-quality (their bits are unstable by design)", () => {
    for (const row of cliRows.filter((r) => Number(r.quality) < 80)) {
      expect(hashJpeg(row.path).quality).toBe(Number(row.quality));
    }
  });
});

describe("the C++ CLI's 512x512 squash, for comparison only", () => {
  // Not our policy. This shows that the bridge differences above come from
  // the CLI's resize and not from our PDQ or decoder: doing what the CLI does
  // reproduces its hashes exactly, even through jpeg-js.
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
