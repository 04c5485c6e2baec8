import { describe, expect, it } from "vitest";

import { applyOrientation, decodePnm } from "~/hashing/image-decode.server";
import {
  DIHEDRAL_NAMES,
  MATCH_DISTANCE,
  MIN_QUALITY,
  ZERO_HASH,
  hammingDistance,
  isPdqHash,
  jaroszWindowSize,
  lumaFromPixels,
  pdqDihedralFromLuma,
  pdqDihedralFromRgba,
  pdqFromLuma,
  pdqFromRgba,
} from "~/hashing/pdq";

import { readCsv, readFixture } from "./fixtures";

/** Raw RGB samples of a P6 fixture, as the C++ CLI saw them. */
function readPpmRgb(relative: string): { width: number; height: number; rgb: Uint8Array } {
  const bytes = readFixture(relative);
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString("latin1"));
  if (!header) throw new Error(`${relative}: not an 8-bit P6 file`);
  const [, width, height] = header.map(Number);
  return {
    width,
    height,
    rgb: bytes.subarray(header[0].length, header[0].length + width * height * 3),
  };
}

/** Deterministic test image: smooth structure plus noise, RGBA. */
function syntheticRgba(width: number, height: number, seed = 1): Uint8Array {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v =
          128 +
          90 * Math.sin((x / width) * 9 + c) * Math.cos((y / height) * 7 - c) +
          (random() - 0.5) * 60;
        data[(y * width + x) * 4 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
      data[(y * width + x) * 4 + 3] = 255;
    }
  }
  return data;
}

describe("PDQ against the reference C++ on identical pixels", () => {
  // expected-decoded.csv: hashes the C++ code computes from exactly these pixels.
  for (const row of readCsv("expected-decoded.csv")) {
    it(`${row.path} hashes bit for bit like the reference`, () => {
      const { width, height, rgb } = readPpmRgb(row.path);
      const result = pdqFromRgba(rgb, width, height, 3);
      expect(result.hash).toBe(row.hash);
      expect(result.quality).toBe(Number(row.quality));
    });

    it(`${row.path} gives the same result through the decoder and as RGBA`, () => {
      const image = decodePnm(readFixture(row.path));
      expect(pdqFromRgba(image.data, image.width, image.height)).toEqual({
        hash: row.hash,
        quality: Number(row.quality),
      });
    });
  }

  it("gives the 8 dihedral hashes of bridge-1 bit for bit", () => {
    const expected = readCsv("expected-dihedral.csv").find((r) =>
      r.path.endsWith("bridge-1-original.jpg")
    )!;
    const { width, height, rgb } = readPpmRgb("decoded/bridge-1-original.512x512.ppm");
    const result = pdqDihedralFromRgba(rgb, width, height, 3);
    expect(result.quality).toBe(Number(expected.quality));
    expect(result.hashes).toEqual({
      original: expected.original,
      rotate90: expected.rotate90,
      rotate180: expected.rotate180,
      rotate270: expected.rotate270,
      flipX: expected.flipx,
      flipY: expected.flipy,
      flipPlus1: expected.flipplus1,
      flipMinus1: expected.flipminus1,
    });
  });
});

describe("PDQ edge cases", () => {
  it.each([
    [0, 0],
    [4, 4],
    [4, 100],
    [100, 4],
    [1, 1],
  ])("a %ix%i image hashes to zero with quality 0", (width, height) => {
    const pixels = syntheticRgba(width, height);
    expect(pdqFromRgba(pixels, width, height)).toEqual({ hash: ZERO_HASH, quality: 0 });
    const dihedral = pdqDihedralFromRgba(pixels, width, height);
    expect(dihedral.quality).toBe(0);
    for (const name of DIHEDRAL_NAMES) expect(dihedral.hashes[name]).toBe(ZERO_HASH);
  });

  it("hashes a 5x5 image (the smallest hashable size)", () => {
    const result = pdqFromRgba(syntheticRgba(5, 5), 5, 5);
    expect(result.hash).not.toBe(ZERO_HASH);
    expect(isPdqHash(result.hash)).toBe(true);
  });

  it("uses the window sizes of the reference: ceil(dimension / 128)", () => {
    expect([1, 128, 129, 256, 257, 1004, 1600, 4000].map(jaroszWindowSize)).toEqual([
      1, 1, 2, 2, 3, 8, 13, 32,
    ]);
  });

  it("ignores alpha, like the reference", () => {
    const opaque = syntheticRgba(97, 61);
    const translucent = opaque.slice();
    for (let i = 3; i < translucent.length; i += 4) translucent[i] = i % 256;
    expect(pdqFromRgba(translucent, 97, 61)).toEqual(pdqFromRgba(opaque, 97, 61));
  });

  it("gives the same hash from RGB, RGBA and a precomputed luma buffer", () => {
    const rgba = syntheticRgba(300, 200, 7);
    const rgb = new Uint8Array(300 * 200 * 3);
    for (let i = 0; i < 300 * 200; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    const expected = pdqFromRgba(rgba, 300, 200);
    expect(pdqFromRgba(rgb, 300, 200, 3)).toEqual(expected);
    expect(pdqFromRgba(new Uint8ClampedArray(rgba), 300, 200)).toEqual(expected);
    const luma = lumaFromPixels(rgba, 300, 200);
    const before = luma.slice();
    expect(pdqFromLuma(luma, 300, 200)).toEqual(expected);
    expect(luma).toEqual(before); // the input is not used as scratch space
    expect(pdqDihedralFromLuma(luma, 300, 200).hashes.original).toBe(expected.hash);
  });

  it("uses the grey level itself as luma for greyscale sources", () => {
    const rgba = syntheticRgba(120, 90, 3);
    const grey = new Uint8Array(120 * 90);
    for (let i = 0; i < grey.length; i++) {
      grey[i] = rgba[i * 4];
      rgba[i * 4 + 1] = rgba[i * 4 + 2] = rgba[i * 4];
    }
    const expected = pdqFromRgba(grey, 120, 90, 1);
    expect(pdqFromRgba(rgba, 120, 90, 4, { greyscale: true })).toEqual(expected);
    expect(lumaFromPixels(grey, 120, 90, 1)).toEqual(Float32Array.from(grey));
  });

  it("uses a 64x64 image as is for the single hash, but filters it for the dihedral hashes, like the reference", () => {
    const pixels = syntheticRgba(64, 64, 11);
    const luma = lumaFromPixels(pixels, 64, 64);
    const single = pdqFromRgba(pixels, 64, 64);
    const dihedral = pdqDihedralFromRgba(pixels, 64, 64);
    expect(pdqFromLuma(luma, 64, 64)).toEqual(single);
    // A window of 1 is not an exact identity in float arithmetic, so the two
    // paths may differ slightly; they must still describe the same image.
    expect(hammingDistance(single.hash, dihedral.hashes.original)).toBeLessThanOrEqual(
      MATCH_DISTANCE
    );
  });

  // Which dihedral variant each EXIF orientation's pixel transform corresponds to.
  const variantForOrientation = {
    2: "flipY", // mirror left-right
    3: "rotate180",
    4: "flipX", // mirror top-bottom
    5: "flipPlus1", // transpose
    6: "rotate270", // 90 degrees clockwise
    7: "flipMinus1", // transverse
    8: "rotate90", // 90 degrees anticlockwise
  } as const;

  it.each(Object.entries(variantForOrientation))(
    "matches pixels transformed as EXIF orientation %s to the %s variant",
    (orientation, variant) => {
      const image = decodePnm(readFixture("decoded/bridge-1-original.512x512.ppm"));
      const original = pdqDihedralFromRgba(image.data, image.width, image.height);
      const moved = applyOrientation(image, Number(orientation));
      const hash = pdqFromRgba(moved.data, moved.width, moved.height).hash;
      // Not bit-exact: the box filter's phases and the decimation grid are not
      // symmetric under flips (measured 0 to 26 bits), but far from any other variant.
      expect(hammingDistance(hash, original.hashes[variant])).toBeLessThanOrEqual(MATCH_DISTANCE);
      for (const name of DIHEDRAL_NAMES) {
        if (name !== variant)
          expect(hammingDistance(hash, original.hashes[name])).toBeGreaterThan(64);
      }
    }
  );

  it("rejects malformed input", () => {
    expect(() => pdqFromRgba(new Uint8Array(10), 10, 10)).toThrow(RangeError);
    expect(() => pdqFromRgba(new Uint8Array(400), 10, 10, 5 as 4)).toThrow(RangeError);
    expect(() => pdqFromRgba(new Uint8Array(400), 10.5, 10)).toThrow(RangeError);
    expect(() => pdqFromLuma(new Float32Array(10), 10, 10)).toThrow(RangeError);
  });

  it("exports Meta's recommended thresholds", () => {
    expect(MATCH_DISTANCE).toBe(31);
    expect(MIN_QUALITY).toBe(50);
  });
});

describe("hammingDistance", () => {
  const a = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";

  it("is 0 for identical hashes and ignores hex case", () => {
    expect(hammingDistance(a, a)).toBe(0);
    expect(hammingDistance(a, a.toUpperCase())).toBe(0);
  });

  it("counts every differing bit", () => {
    expect(hammingDistance(ZERO_HASH, "f".repeat(64))).toBe(256);
    expect(hammingDistance(ZERO_HASH, "8" + "0".repeat(63))).toBe(1);
    expect(hammingDistance(ZERO_HASH, "0".repeat(63) + "1")).toBe(1);
    expect(hammingDistance(ZERO_HASH, "80000001".repeat(8))).toBe(16);
  });

  it("is symmetric and matches the distances quoted in the fixtures", () => {
    const java = readCsv("other-implementations.csv");
    const cli = Object.fromEntries(readCsv("expected-pdq.csv").map((r) => [r.path, r.hash]));
    // "distance 6 to the C++ CLI value", "distance 8 …", "distance 10 …".
    const quoted = java.map((r) => /distance (\d+) to the C\+\+ CLI value/.exec(r.note)?.[1]);
    java.forEach((row, i) => {
      if (quoted[i] === undefined) return;
      expect(hammingDistance(row.hash, cli[row.path])).toBe(Number(quoted[i]));
      expect(hammingDistance(cli[row.path], row.hash)).toBe(Number(quoted[i]));
    });
    expect(quoted.filter(Boolean).length).toBeGreaterThanOrEqual(3);
  });

  it("rejects strings that are not 64 hex digits", () => {
    expect(() => hammingDistance(a, a.slice(1))).toThrow(TypeError);
    expect(() => hammingDistance(a, "g" + a.slice(1))).toThrow(TypeError);
    expect(() => hammingDistance(a + "0", a)).toThrow(TypeError);
  });
});
