import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_DISTANCE, hammingDistance } from "~/hashing/pdq";
import {
  PDQ_WORDS,
  PdqIndex,
  type PdqMatch,
  distanceWords,
  hexToWords,
  popcount32,
  slotValue,
  wasmAvailable,
  wordsToHex,
} from "~/matching/pdq-index";

// ---------------------------------------------------------------------------
// Deterministic data

/** mulberry32: a tiny seeded PRNG, so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function randomWords(next: () => number): Uint32Array {
  return Uint32Array.from({ length: PDQ_WORDS }, () => next());
}

/** A copy of `words` with exactly the given bit positions (0 = most significant bit of the hex) flipped. */
function flipped(words: Uint32Array, bits: Iterable<number>): Uint32Array {
  const out = words.slice();
  for (const bit of bits) out[bit >>> 5] ^= 1 << (31 - (bit & 31));
  return out;
}

/** k distinct random bit positions. */
function randomBits(next: () => number, k: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(next() & 255);
  return [...chosen];
}

interface Dataset {
  ids: number[];
  hashes: string[];
  words: Uint32Array[];
  /** The same words, flat, for the reference scan. */
  flat: Uint32Array;
}

/**
 * 20k rows: 200 seeds, 8,000 near-duplicates of them (k = 0…40 bits flipped,
 * so some pairs straddle every radius), the rest uniformly random.
 */
function makeDataset(size = 20_000, seed = 1): Dataset {
  const next = prng(seed);
  const seeds = Array.from({ length: 200 }, () => randomWords(next));
  const words: Uint32Array[] = [];
  for (let i = 0; i < size; i++) {
    if (i < seeds.length) words.push(seeds[i]);
    else if (i % 5 < 2) words.push(flipped(seeds[next() % seeds.length], randomBits(next, next() % 41)));
    else words.push(randomWords(next));
  }
  // Ids: unique, not in insertion order, spread over the whole uint32 range.
  const ids = words.map((_, i) => (Math.imul(i + 1, 2654435761) >>> 0));
  const flat = new Uint32Array(size * PDQ_WORDS);
  words.forEach((w, i) => flat.set(w, i * PDQ_WORDS));
  return { ids, hashes: words.map((w) => wordsToHex(w)), words, flat };
}

function makeQueries(data: Dataset, count: number, seed: number): Uint32Array[] {
  const next = prng(seed);
  return Array.from({ length: count }, (_, i) =>
    i % 4 === 3
      ? randomWords(next)
      : flipped(data.words[next() % data.words.length], randomBits(next, next() % 41)),
  );
}

/** Set bits per byte, counted the obvious way (independent of the module under test). */
const BYTE_BITS = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x >>>= 1) n += x & 1;
  return n;
});
function bitCount(x: number): number {
  return BYTE_BITS[x & 255] + BYTE_BITS[(x >>> 8) & 255] + BYTE_BITS[(x >>> 16) & 255] + BYTE_BITS[(x >>> 24) & 255];
}

/** The reference: the distance from `query` to every row, by a linear scan. */
function distancesTo(data: Dataset, query: Uint32Array): Uint16Array {
  const { flat, ids } = data;
  const distances = new Uint16Array(ids.length);
  for (let i = 0, o = 0; i < ids.length; i++, o += PDQ_WORDS) {
    let distance = 0;
    for (let w = 0; w < PDQ_WORDS; w++) distance += bitCount(flat[o + w] ^ query[w]);
    distances[i] = distance;
  }
  return distances;
}

/** The rows within `radius` by the reference scan, sorted like the index's results. */
function within(data: Dataset, distances: Uint16Array, radius: number, removed?: Set<number>): PdqMatch[] {
  const out: PdqMatch[] = [];
  distances.forEach((distance, i) => {
    if (distance <= radius && !removed?.has(data.ids[i])) out.push({ id: data.ids[i], distance });
  });
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function bruteForce(data: Dataset, query: Uint32Array, radius: number, removed?: Set<number>): PdqMatch[] {
  return within(data, distancesTo(data, query), radius, removed);
}

const data = makeDataset();
const queries = makeQueries(data, 200, 2);
/** Reference distances from each query to every row, computed once. */
const reference = queries.map((query) => distancesTo(data, query));
const kernels = wasmAvailable() ? [true, false] : [false];

// ---------------------------------------------------------------------------

describe("hash helpers", () => {
  it("round-trips hex and words (word 0 = first 8 hex digits), either case", () => {
    const hex = "0123456789abcdef".repeat(4);
    const words = hexToWords(hex.toUpperCase());
    expect(words[0]).toBe(0x01234567);
    expect(words[1]).toBe(0x89abcdef);
    expect(wordsToHex(words)).toBe(hex);
    expect(slotValue(words, 0, 0)).toBe(0x0123);
    expect(slotValue(words, 0, 1)).toBe(0x4567);
    expect(slotValue(words, 0, 15)).toBe(0xcdef);
    const out = new Uint32Array(16);
    hexToWords(hex, out, 8);
    expect(wordsToHex(out, 8)).toBe(hex);
  });

  it("rejects anything but 64 hex digits", () => {
    for (const bad of ["", "0".repeat(63), "0".repeat(65), "g".repeat(64), ` ${"0".repeat(63)}`, "é".repeat(64), "0x" + "0".repeat(62)])
      expect(() => hexToWords(bad)).toThrow(TypeError);
    expect(() => hexToWords(undefined as unknown as string)).toThrow(TypeError);
    expect(() => hexToWords(123 as unknown as string)).toThrow(TypeError);
  });

  it("computes the same distance as pdq.ts and the reference scan", () => {
    const next = prng(3);
    for (let i = 0; i < 200; i++) {
      const a = randomWords(next);
      const b = i % 2 ? randomWords(next) : flipped(a, randomBits(next, i % 64));
      const expected = hammingDistance(wordsToHex(a), wordsToHex(b));
      expect(distanceWords(a, 0, b, 0)).toBe(expected);
      expect(bruteForce({ ids: [1], hashes: [], words: [a], flat: a }, b, 256)).toEqual([{ id: 1, distance: expected }]);
    }
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(-1)).toBe(32);
    expect(popcount32(0x80000001)).toBe(2);
  });
});

describe.each(kernels)("PdqIndex (wasm kernel: %s)", (wasm) => {
  const index = PdqIndex.build({ ids: data.ids, hashes: data.hashes }, { wasm });

  it("has exact recall (1.0) and no false positives against a linear scan", () => {
    expect(index.size).toBe(data.ids.length);
    expect(index.stats().wasm).toBe(wasm);
    let matches = 0;
    for (const [q, query] of queries.entries()) {
      const expected = within(data, reference[q], MATCH_DISTANCE);
      matches += expected.length;
      expect(index.search(wordsToHex(query))).toEqual(expected);
    }
    expect(matches).toBeGreaterThan(queries.length); // clusters: many queries have several matches
  });

  it("is exact at other radii, including above 31", () => {
    for (const radius of [0, 1, 15, 16, 30, 32, 40, 47, 48, 64]) {
      for (const [q, query] of queries.slice(0, 40).entries()) {
        const expected = within(data, reference[q], radius);
        expect(index.searchWords(query, radius)).toEqual(expected);
        if (radius <= 47) expect(index.searchWords(query, radius, { method: "index" })).toEqual(expected);
      }
    }
    expect(index.search(data.hashes[0], 256).length).toBe(data.ids.length);
  });

  it("finds matches at distance 30 and 31 but not 32", () => {
    const next = prng(4);
    for (let i = 0; i < 50; i++) {
      const row = next() % data.ids.length;
      const stored = data.words[row];
      for (const k of [30, 31, 32]) {
        const query = flipped(stored, randomBits(next, k));
        const hit = index.searchWords(query).find((m) => m.id === data.ids[row]);
        expect(hit?.distance).toBe(k <= 31 ? k : undefined);
        expect(index.searchWords(query, 32).find((m) => m.id === data.ids[row])?.distance).toBe(k);
      }
    }
  });

  it("finds the pigeonhole worst case: 2 bits in 15 slots and 1 in the last", () => {
    const next = prng(5);
    for (let lone = 0; lone < 16; lone++) {
      const row = next() % data.ids.length;
      const bits: number[] = [];
      for (let slot = 0; slot < 16; slot++) {
        bits.push(slot * 16 + (next() % 8));
        if (slot !== lone) bits.push(slot * 16 + 8 + (next() % 8));
      }
      const query = flipped(data.words[row], bits);
      expect(index.searchWords(query, 31).find((m) => m.id === data.ids[row])?.distance).toBe(31);
      // With one more bit in the lone slot (2 everywhere, 32 bits) it is out of radius 31.
      const further = flipped(query, [lone * 16 + 8]);
      expect(index.searchWords(further, 31).find((m) => m.id === data.ids[row])).toBeUndefined();
      expect(index.searchWords(further, 32).find((m) => m.id === data.ids[row])?.distance).toBe(32);
    }
  });

  it("always finds a stored hash with up to 31 bits flipped (property)", () => {
    const probe = PdqIndex.build({ ids: data.ids, hashes: data.hashes }, { wasm });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 8, maxLength: 8 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 31 }),
        (hashWords, bits) => {
          const stored = Uint32Array.from(hashWords);
          probe.addWords(0xffffffff, stored); // replaces the previous run's
          const found = probe.searchWords(flipped(stored, bits)).find((m) => m.id === 0xffffffff);
          return found?.distance === bits.length;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives the same results after incremental adds as after a bulk build", () => {
    // Small tail and merge limits, so adds go through tails, flushes and merges.
    const incremental = PdqIndex.build(
      { ids: data.ids.slice(0, 5000), hashes: data.hashes.slice(0, 5000) },
      { wasm, tailRows: 2000, maxMergeRows: 9000 },
    );
    for (let i = 5000; i < data.ids.length; i++) {
      incremental.add(data.ids[i], data.hashes[i]);
      if (i === 5001) expect(incremental.search(data.hashes[5001])[0]).toEqual({ id: data.ids[5001], distance: 0 });
    }
    const stats = incremental.stats();
    expect(stats.segmentRows.length).toBeGreaterThan(1);
    expect(stats.tailRows).toBeGreaterThan(0);
    expect(incremental.size).toBe(data.ids.length);
    expect(incremental.maxId).toBe(Math.max(...data.ids));
    for (const query of queries.slice(0, 100)) {
      const expected = index.searchWords(query);
      expect(incremental.searchWords(query)).toEqual(expected);
      expect(incremental.searchWords(query, 31, { method: "linear" })).toEqual(expected);
    }
    incremental.compact();
    expect(incremental.stats().segmentRows).toEqual([data.ids.length]);
    for (const query of queries.slice(0, 50)) expect(incremental.searchWords(query)).toEqual(index.searchWords(query));
  });

  it("adds with addMany, and an empty index grows from nothing", () => {
    const grown = new PdqIndex({ wasm, tailRows: 700 }); // some segments too small for buckets
    expect(grown.search(data.hashes[0])).toEqual([]);
    grown.addMany(data.ids.slice(0, 4500).map((id, i) => ({ id, hash: data.hashes[i] })));
    // Flushed tails of 700 rows, merged by size: a segment too small for buckets (scanned) is among them.
    expect(grown.stats().segmentRows).toEqual([3500, 700]);
    const firstRows = PdqIndex.build({ ids: data.ids.slice(0, 4500), hashes: data.hashes.slice(0, 4500) }, { wasm });
    for (const query of queries.slice(0, 50))
      expect(grown.searchWords(query)).toEqual(firstRows.searchWords(query, 31, { method: "linear" }));
    grown.addMany(data.ids.slice(4500).map((id, i) => [id, data.hashes[4500 + i]] as const));
    expect(grown.size).toBe(data.ids.length);
    for (const query of queries.slice(0, 50)) expect(grown.searchWords(query)).toEqual(index.searchWords(query));
  });

  it("removes (soft delete), re-adds and replaces", () => {
    const live = PdqIndex.build({ ids: data.ids, hashes: data.hashes }, { wasm, tailRows: 2000 });
    const removed = new Set<number>();
    for (let i = 0; i < data.ids.length; i += 3) {
      expect(live.remove(data.ids[i])).toBe(true);
      removed.add(data.ids[i]);
    }
    expect(live.remove(data.ids[0])).toBe(false);
    expect(live.remove(12345)).toBe(false);
    expect(live.size).toBe(data.ids.length - removed.size);
    expect(live.has(data.ids[0])).toBe(false);
    expect(live.hashOf(data.ids[0])).toBeUndefined();
    for (const [q, query] of queries.slice(0, 100).entries())
      expect(live.searchWords(query)).toEqual(within(data, reference[q], 31, removed));

    // Re-add a removed id; replace a live one with a hash far from its old one.
    live.add(data.ids[0], data.hashes[0]);
    removed.delete(data.ids[0]);
    expect(live.search(data.hashes[0]).some((m) => m.id === data.ids[0] && m.distance === 0)).toBe(true);
    const other = "f".repeat(64);
    live.add(data.ids[1], other);
    expect(live.hashOf(data.ids[1])).toBe(other);
    expect(live.search(data.hashes[1]).some((m) => m.id === data.ids[1])).toBe(false);
    expect(live.search(other)[0]).toEqual({ id: data.ids[1], distance: 0 });
    expect(live.size).toBe(data.ids.length - removed.size);

    // Removing most of the rows purges segments; results stay exact.
    for (let i = 0; i < data.ids.length; i++) if (i % 10 !== 0) live.remove(data.ids[i]) && removed.add(data.ids[i]);
    expect(removed.has(data.ids[1])).toBe(true);
    expect(live.size).toBe(data.ids.filter((id) => !removed.has(id)).length);
    for (const [q, query] of queries.slice(0, 50).entries())
      expect(live.searchWords(query)).toEqual(within(data, reference[q], 31, removed));
  });

  it("keeps the last hash of a repeated id in a bulk build", () => {
    const built = PdqIndex.build([
      [7, data.hashes[0]],
      [3, data.hashes[1]],
      [7, data.hashes[2]],
    ], { wasm });
    expect(built.size).toBe(2);
    expect(built.hashOf(7)).toBe(data.hashes[2]);
    expect(built.search(data.hashes[0]).some((m) => m.id === 7 && m.distance === 0)).toBe(false);
  });
});

describe("PdqIndex construction and validation", () => {
  it("builds the same index from entries, pairs, arrays, a builder and an async source", async () => {
    const sample = { ids: data.ids.slice(0, 3000), hashes: data.hashes.slice(0, 3000) };
    const entries = sample.ids.map((id, i) => ({ id, hash: sample.hashes[i] }));
    const builder = PdqIndex.builder();
    entries.forEach(({ id, hash }) => builder.add(id, hash));
    async function* rows() {
      yield* entries;
    }
    const indexes = [
      PdqIndex.build(sample),
      PdqIndex.build(entries),
      PdqIndex.build(entries.map(({ id, hash }) => [id, hash] as const)),
      builder.build(),
      await PdqIndex.buildAsync(rows(), { expectedSize: 10 }),
    ];
    for (const query of queries.slice(0, 30)) {
      const expected = indexes[0].searchWords(query);
      for (const other of indexes.slice(1)) expect(other.searchWords(query)).toEqual(expected);
    }
  });

  it("rejects invalid ids, hashes and radii, changing nothing", () => {
    const index = PdqIndex.build({ ids: [1, 2], hashes: [data.hashes[0], data.hashes[1]] });
    for (const id of [-1, 1.5, 2 ** 32, Number.NaN, Infinity])
      expect(() => index.add(id, data.hashes[2])).toThrow(RangeError);
    for (const hash of ["0".repeat(63), "z".repeat(64)]) {
      expect(() => index.add(3, hash)).toThrow(TypeError);
      expect(() => index.search(hash)).toThrow(TypeError);
    }
    expect(() => index.addMany([{ id: 3, hash: data.hashes[3] }, { id: 4, hash: "nope" }])).toThrow(TypeError);
    expect(index.size).toBe(2);
    expect(index.has(3)).toBe(false);
    for (const radius of [-1, 257, 1.5, Number.NaN]) expect(() => index.search(data.hashes[0], radius)).toThrow(RangeError);
    expect(() => PdqIndex.build({ ids: [1, 2], hashes: ["0".repeat(64)] })).toThrow(RangeError);
    expect(() => PdqIndex.build([[1, "bad"]])).toThrow(TypeError);
    expect(() => new PdqIndex({ tailRows: 0 })).toThrow(RangeError);
    index.add(2 ** 32 - 1, data.hashes[5]);
    expect(index.maxId).toBe(2 ** 32 - 1);
    expect(index.search(data.hashes[5], 0)).toEqual([{ id: 2 ** 32 - 1, distance: 0 }]);
  });
});
