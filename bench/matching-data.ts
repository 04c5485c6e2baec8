/**
 * Synthetic PDQ sightings for bench/matching.ts: deterministic (seeded), made
 * in chunks so the benchmark never has to hold the whole data set twice.
 *
 * Row i (0-based) has id i + 1. The first `seedCount` rows are "seed" hashes
 * (uniformly random); after them, each row is, with probability
 * `clusteredFraction`, a near-duplicate of a random seed with 1–31 distinct bits
 * flipped, otherwise a uniformly random hash. Real PDQ hash sets are clumpier
 * than uniform noise (the same image re-uploaded, re-encoded, resized): the
 * clusters put many hashes within the match radius of each other and of the
 * queries, which is what the index must return in full.
 */
import { PDQ_WORDS } from "../app/matching/pdq-index";

/** sfc32: small, fast, well-distributed 32-bit PRNG (PractRand-clean). */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed | 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** Uniform uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }
}

/** Fills `out[offset…offset+7]` with a uniformly random hash. */
export function randomHash(rng: Random, out: Uint32Array, offset = 0): void {
  for (let w = 0; w < PDQ_WORDS; w++) out[offset + w] = rng.next();
}

/** Flips exactly k distinct random bits of the hash at `out[offset…]`. */
export function flipBits(rng: Random, out: Uint32Array, offset: number, k: number): void {
  const mask = new Uint32Array(PDQ_WORDS);
  for (let flipped = 0; flipped < k; ) {
    const bit = rng.below(256);
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if (mask[w] & m) continue;
    mask[w] |= m;
    flipped++;
  }
  for (let w = 0; w < PDQ_WORDS; w++) out[offset + w] ^= mask[w];
}

export interface DatasetOptions {
  size: number;
  seed: number;
  /** Share of rows that are near-duplicates of a seed (default 0.1). */
  clusteredFraction?: number;
  /** Number of seeds (default size / 500, at least 1). */
  seedCount?: number;
}

export interface Chunk {
  /** Row number of the chunk's first row. */
  start: number;
  count: number;
  ids: Uint32Array;
  words: Uint32Array;
}

/**
 * Generates the data set in chunks (the yielded arrays are reused: copy what
 * you keep). The same options always give the same rows.
 */
export function* generateDataset(options: DatasetOptions, chunkSize = 65536): Generator<Chunk> {
  const { size, seed } = options;
  const clusteredFraction = options.clusteredFraction ?? 0.1;
  const seedCount = Math.min(size, Math.max(1, options.seedCount ?? Math.floor(size / 500)));
  const rng = new Random(seed);
  const seeds = new Uint32Array(seedCount * PDQ_WORDS);
  randomHash(rng, seeds, 0);
  for (let s = 1; s < seedCount; s++) randomHash(rng, seeds, s * PDQ_WORDS);
  const ids = new Uint32Array(chunkSize);
  const words = new Uint32Array(chunkSize * PDQ_WORDS);
  for (let start = 0; start < size; start += chunkSize) {
    const count = Math.min(chunkSize, size - start);
    for (let i = 0; i < count; i++) {
      const row = start + i;
      const o = i * PDQ_WORDS;
      ids[i] = row + 1;
      if (row < seedCount) {
        words.set(seeds.subarray(row * PDQ_WORDS, row * PDQ_WORDS + PDQ_WORDS), o);
      } else if (rng.float() < clusteredFraction) {
        const s = rng.below(seedCount);
        words.set(seeds.subarray(s * PDQ_WORDS, s * PDQ_WORDS + PDQ_WORDS), o);
        flipBits(rng, words, o, 1 + rng.below(31));
      } else {
        randomHash(rng, words, o);
      }
    }
    yield { start, count, ids: ids.subarray(0, count), words: words.subarray(0, count * PDQ_WORDS) };
  }
}
