/**
 * In-memory PDQ matching: every stored hash within a Hamming radius of a query,
 * fast at tens of millions of sightings. No database access: a data structure
 * that the sightings code fills at start-up and keeps current on every insert.
 *
 * Layout, per stored hash ("row"), about 100 bytes (≈ 1 GB for 10M):
 * - the 256 bits as 8 × uint32 in one flat `Uint32Array` (32 bytes), word 0 =
 *   hex digits 0–7 (PDQ hex is 16 words of 16 bits, highest word first);
 * - the sighting id in a `Uint32Array` (4 bytes); rows are kept sorted by id so
 *   an id is found by binary search (no Map of 10M entries);
 * - a **multi-index hash** (Norouzi et al.; what Meta's matcher does via FAISS):
 *   the hash is cut into 16 slots of 16 bits (slot s = hex digits 4s…4s+3) and,
 *   for each slot, a CSR table groups the row numbers by that slot's value
 *   (`offsets`: 65,537 per slot; row numbers: 4 bytes per row per slot).
 *
 * Search (pigeonhole): if two hashes differ in d bits, at least one of the 16
 * slots differs in at most p = ⌊d/16⌋ bits (else d ≥ 16(p+1) > d). For the PDQ
 * threshold d ≤ 31, p = 1: probing, in each slot, the bucket of the query's own
 * value and its 16 one-bit neighbours (17 × 16 = 272 buckets) reaches every
 * hash within the radius. Each candidate is verified by its exact distance
 * (popcount of the XOR), so results are exact: recall 1.0, no false positives.
 * A match is reported only from the lowest-numbered slot in which it is within
 * p bits of the query, which deduplicates without any per-row memory.
 * At 10M random hashes that is ~41,000 candidates per query, each a random
 * memory access; the verification loop runs in a 300-byte WebAssembly kernel
 * (native 64-bit popcount) over the same arrays, with a plain-JS fallback.
 *
 * Radius: any integer 0–256 is answered exactly. Up to 47 (p ≤ 2: 137 buckets
 * per slot for 32–47) through the multi-index; above 47, probing costs more than
 * a linear scan, which is used instead (also below 1,024 stored rows; segments
 * that small have no buckets at all, so small indexes cost no 4 MB of offsets).
 *
 * Updates: rows live in immutable, bulk-built *segments* (start-up:
 * {@link PdqIndex.build}, {@link PdqIndex.builder}) plus a small dynamic *tail*
 * (per-slot linked lists over 65,536 heads) that {@link PdqIndex.add} appends
 * to and searches see at once. A full tail (`tailRows`, default 65,536) becomes
 * a new segment; neighbouring segments of similar size are merged (size-tiered,
 * never into a segment of more than `maxMergeRows`, default 2M rows), so an add
 * never blocks for a rebuild of the whole index: the worst pause is a rebuild of
 * 2M rows (about a second); a 65,536-row flush takes about 0.1 s.
 * {@link PdqIndex.remove} is a soft delete (a tombstone bit), purged when its
 * segment is rebuilt; {@link PdqIndex.compact} merges everything into as few
 * segments as possible.
 *
 * Quality is the caller's business: do not add or search hashes whose PDQ
 * quality is below `MIN_QUALITY` (../hashing/pdq).
 */
import { MATCH_DISTANCE } from "../hashing/pdq";

/** 32-bit words in one PDQ hash. */
export const PDQ_WORDS = 8;
/** Slots of the multi-index (16 bits each). */
export const SLOT_COUNT = 16;
/** Largest radius answered through the multi-index; above it, a linear scan (still exact). */
export const MAX_INDEXED_DISTANCE = 47;

const SLOT_VALUES = 65536;
const OFFSETS_PER_SLOT = SLOT_VALUES + 1;
/** Below this many stored rows a linear scan beats probing 272 buckets. */
const LINEAR_BELOW = 1024;
const DEFAULT_TAIL_ROWS = 65536;
const DEFAULT_MAX_MERGE_ROWS = 1 << 21;
/** Rows per segment at most: keeps one segment's WebAssembly memory under 4 GiB. */
const MAX_SEGMENT_ROWS = 1 << 25;
const MAX_ID = 0xffffffff;

export interface PdqMatch {
  id: number;
  distance: number;
}

export interface PdqEntry {
  id: number;
  hash: string;
}

export type PdqEntryLike = PdqEntry | readonly [id: number, hash: string];

export interface PdqIndexOptions {
  /** Rows added after the build that are kept in the dynamic tail before it becomes a segment (default 65,536). */
  tailRows?: number;
  /** Segments are not merged into one of more rows than this (default 2,097,152): bounds the pause of an add. */
  maxMergeRows?: number;
  /** Verify candidates in WebAssembly (default true; false, or no WebAssembly: plain JS, same results). */
  wasm?: boolean;
}

export interface PdqSearchOptions {
  /** "auto" (default) picks the multi-index or a linear scan; both are exact. */
  method?: "auto" | "index" | "linear";
}

export interface PdqIndexStats {
  size: number;
  /** Rows per bulk segment (including removed rows not yet purged). */
  segmentRows: number[];
  tailRows: number;
  deletedRows: number;
  wasm: boolean;
  /** Bytes held in typed arrays (hashes, ids, buckets), excluding small JS objects. */
  bytes: number;
}

// ---------------------------------------------------------------------------
// Helpers shared with tests and the benchmark

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

function invalidHash(hash: unknown): TypeError {
  const shown = typeof hash === "string" ? JSON.stringify(hash.slice(0, 80)) : String(hash);
  return new TypeError(`not a PDQ hash (64 hex digits): ${shown}`);
}

/**
 * Parses a 64-hex-digit PDQ hash (either case) into 8 uint32 words, word 0 =
 * the first 8 hex digits. Writes at `out[offset…offset+7]`; throws a TypeError
 * on anything else (in which case `out` may be partly written).
 */
export function hexToWords(hash: string, out: Uint32Array = new Uint32Array(PDQ_WORDS), offset = 0): Uint32Array {
  if (typeof hash !== "string" || hash.length !== 64) throw invalidHash(hash);
  for (let w = 0, c = 0; w < PDQ_WORDS; w++) {
    let value = 0;
    for (let j = 0; j < 8; j++, c++) {
      const code = hash.charCodeAt(c);
      const digit = code < 128 ? HEX_VALUE[code] : -1;
      if (digit < 0) throw invalidHash(hash);
      value = (value << 4) | digit;
    }
    out[offset + w] = value;
  }
  return out;
}

/** The 64-hex-digit (lower-case) form of the 8 words at `words[offset…]`. */
export function wordsToHex(words: ArrayLike<number>, offset = 0): string {
  let hex = "";
  for (let w = 0; w < PDQ_WORDS; w++) hex += (words[offset + w] >>> 0).toString(16).padStart(8, "0");
  return hex;
}

/** Set bits in a 32-bit integer. */
export function popcount32(x: number): number {
  x = (x - ((x >>> 1) & 0x55555555)) | 0;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between the hashes at `a[aOffset…]` and `b[bOffset…]` (8 words each). */
export function distanceWords(a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number): number {
  let d = 0;
  for (let w = 0; w < PDQ_WORDS; w++) d += popcount32((a[aOffset + w] ^ b[bOffset + w]) >>> 0);
  return d;
}

/** The 16-bit value of slot `slot` (0–15) of the hash at `words[offset…]`. */
export function slotValue(words: ArrayLike<number>, offset: number, slot: number): number {
  const word = words[offset + (slot >>> 1)];
  return (slot & 1) === 0 ? word >>> 16 : word & 0xffff;
}

function assertId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID)
    throw new RangeError(`PDQ index id must be an integer in 0…2^32-1: ${String(id)}`);
}

function assertRadius(maxDistance: number): void {
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 256)
    throw new RangeError(`maxDistance must be an integer in 0…256: ${String(maxDistance)}`);
}

/** 16-bit masks with at most p bits set, by p (built on demand). */
const probeMasks: Int32Array[] = [];
function masksUpTo(p: number): Int32Array {
  let masks = probeMasks[p];
  if (!masks) {
    const list: number[] = [];
    for (let bits = 0; bits <= p; bits++)
      for (let m = 0; m < SLOT_VALUES; m++) if (popcount32(m) === bits) list.push(m);
    masks = probeMasks[p] = Int32Array.from(list);
  }
  return masks;
}

/** Lowest slot in which the hash at `words[o…]` is within p bits of the query. */
function firstSlotWithin(words: Uint32Array, o: number, q: Uint32Array, p: number): number {
  for (let w = 0; w < PDQ_WORDS; w++) {
    const x = (words[o + w] ^ q[w]) >>> 0;
    if (popcount32(x >>> 16) <= p) return 2 * w;
    if (popcount32(x & 0xffff) <= p) return 2 * w + 1;
  }
  return SLOT_COUNT; // not within p anywhere (cannot happen for a verified match)
}

function compareMatches(a: PdqMatch, b: PdqMatch): number {
  return a.distance - b.distance || a.id - b.id;
}

function growU32(array: Uint32Array, length: number): Uint32Array {
  const grown = new Uint32Array(length);
  grown.set(array);
  return grown;
}

function copyHash(from: Uint32Array, fromRow: number, to: Uint32Array, toRow: number): void {
  const a = fromRow * PDQ_WORDS;
  const b = toRow * PDQ_WORDS;
  for (let w = 0; w < PDQ_WORDS; w++) to[b + w] = from[a + w];
}

function isNonDecreasing(ids: Uint32Array, count: number): boolean {
  for (let i = 1; i < count; i++) if (ids[i] < ids[i - 1]) return false;
  return true;
}

/**
 * Sorts rows by id (stable LSD radix sort, two 16-bit passes) and drops all but
 * the last of any repeated id. Returns arrays of exactly the kept length (the
 * inputs when nothing had to change).
 */
function sortAndDedupe(ids: Uint32Array, words: Uint32Array, count: number): { ids: Uint32Array; words: Uint32Array } {
  if (!isNonDecreasing(ids, count)) {
    let perm = new Uint32Array(count);
    let next = new Uint32Array(count);
    for (let i = 0; i < count; i++) perm[i] = i;
    const counts = new Uint32Array(SLOT_VALUES + 1);
    for (const shift of [0, 16]) {
      counts.fill(0);
      for (let i = 0; i < count; i++) counts[((ids[i] >>> shift) & 0xffff) + 1]++;
      for (let v = 1; v <= SLOT_VALUES; v++) counts[v] += counts[v - 1];
      for (let i = 0; i < count; i++) {
        const row = perm[i];
        next[counts[(ids[row] >>> shift) & 0xffff]++] = row;
      }
      [perm, next] = [next, perm];
    }
    const sortedIds = new Uint32Array(count);
    const sortedWords = new Uint32Array(count * PDQ_WORDS);
    for (let i = 0; i < count; i++) {
      const row = perm[i];
      sortedIds[i] = ids[row];
      copyHash(words, row, sortedWords, i);
    }
    ids = sortedIds;
    words = sortedWords;
  }
  // Drop repeated ids, keeping the last (most recently given) hash; in place.
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if (i + 1 < count && ids[i + 1] === ids[i]) continue;
    if (kept !== i) {
      ids[kept] = ids[i];
      words.copyWithin(kept * PDQ_WORDS, i * PDQ_WORDS, i * PDQ_WORDS + PDQ_WORDS);
    }
    kept++;
  }
  if (ids.length !== kept) ids = ids.slice(0, kept);
  if (words.length !== kept * PDQ_WORDS) words = words.slice(0, kept * PDQ_WORDS);
  return { ids, words };
}

// ---------------------------------------------------------------------------
// Bulk builder (start-up)

/**
 * Collects (id, hash) rows for a bulk build, e.g. while streaming sightings
 * from the database at start-up. Pass the expected row count to avoid regrowth.
 */
export class PdqIndexBuilder {
  private ids: Uint32Array;
  private words: Uint32Array;
  private count = 0;

  constructor(expectedSize = 1024) {
    const capacity = Math.max(16, Math.ceil(expectedSize));
    this.ids = new Uint32Array(capacity);
    this.words = new Uint32Array(capacity * PDQ_WORDS);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a row; throws (adding nothing) on a bad id or hash. A repeated id: the last hash wins. */
  add(id: number, hash: string): this {
    assertId(id);
    this.reserve();
    hexToWords(hash, this.words, this.count * PDQ_WORDS);
    this.ids[this.count++] = id;
    return this;
  }

  /** Adds a row from 8 words at `words[offset…]`. */
  addWords(id: number, words: ArrayLike<number>, offset = 0): this {
    assertId(id);
    this.reserve();
    const o = this.count * PDQ_WORDS;
    for (let w = 0; w < PDQ_WORDS; w++) this.words[o + w] = words[offset + w];
    this.ids[this.count++] = id;
    return this;
  }

  /** Builds the index. The builder is emptied (its arrays are handed over). */
  build(options: PdqIndexOptions = {}): PdqIndex {
    const { ids, words } = this.take();
    return PdqIndex.fromWords(ids, words, options);
  }

  /** Hands over the rows collected so far (exact-length arrays) and empties the builder. */
  take(): { ids: Uint32Array; words: Uint32Array } {
    const { ids, words, count } = this;
    this.ids = new Uint32Array(16);
    this.words = new Uint32Array(16 * PDQ_WORDS);
    this.count = 0;
    // Copy out of any spare capacity so the index holds exactly what it needs.
    if (ids.length === count) return { ids, words };
    return { ids: ids.slice(0, count), words: words.slice(0, count * PDQ_WORDS) };
  }

  private reserve(): void {
    if (this.count < this.ids.length) return;
    const capacity = Math.ceil(this.ids.length * 1.5) + 16;
    this.ids = growU32(this.ids, capacity);
    this.words = growU32(this.words, capacity * PDQ_WORDS);
  }
}

// ---------------------------------------------------------------------------
// WebAssembly verification kernel
//
// verify(rowsByte, count, wordsByte, qByte, radius, outByte) -> matches
//   for each of `count` uint32 row numbers at rowsByte: the distance between
//   the 32-byte hash at wordsByte + 32·row and the query at qByte (two 64-bit
//   popcounts, then two more only if still within the radius); each row within
//   `radius` is written to outByte as (row, distance) pairs of uint32.
// Hand-assembled (no toolchain): 1 function, memory imported as env.memory.

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function kernelBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f, I64 = 0x7e;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const i64load = (offset: number) => [0x29, 3, ...leb128(offset)];
  const i32load = (offset: number) => [0x28, 2, ...leb128(offset)];
  const i32store = (offset: number) => [0x36, 2, ...leb128(offset)];
  const const32 = (n: number) => [0x41, ...leb128(n)];
  const [ADD, SHL, GE_U, LE_U] = [0x6a, 0x74, 0x4f, 0x4d];
  const [XOR64, POPCNT64, ADD64, WRAP] = [0x85, 0x7b, 0x7c, 0xa7];
  const [BLOCK, LOOP, IF, END, BR, BR_IF, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x40];
  // params 0 rows, 1 count, 2 words, 3 q, 4 radius, 5 out;
  // locals 6 end, 7 n, 8 o, 9 d (i32); 10–13 q0–q3 (i64); 14 row (i32)
  const half = (a: number, b: number, qa: number, qb: number) => [
    ...get(8), ...i64load(a), ...get(qa), XOR64, POPCNT64,
    ...get(8), ...i64load(b), ...get(qb), XOR64, POPCNT64, ADD64, WRAP,
  ];
  const body = [
    3, 4, I32, 4, I64, 1, I32,
    ...get(3), ...i64load(0), ...set(10),
    ...get(3), ...i64load(8), ...set(11),
    ...get(3), ...i64load(16), ...set(12),
    ...get(3), ...i64load(24), ...set(13),
    ...get(0), ...get(1), ...const32(2), SHL, ADD, ...set(6),
    BLOCK, VOID, LOOP, VOID,
    ...get(0), ...get(6), GE_U, BR_IF, 1,
    ...get(2), ...get(0), ...i32load(0), ...tee(14), ...const32(5), SHL, ADD, ...set(8),
    ...half(0, 8, 10, 11), ...tee(9), ...get(4), LE_U,
    IF, VOID,
    ...get(9), ...half(16, 24, 12, 13), ADD, ...tee(9), ...get(4), LE_U,
    IF, VOID,
    ...get(5), ...get(7), ...const32(3), SHL, ADD, ...get(14), ...i32store(0),
    ...get(5), ...get(7), ...const32(3), SHL, ADD, ...get(9), ...i32store(4),
    ...get(7), ...const32(1), ADD, ...set(7),
    END, END,
    ...get(0), ...const32(4), ADD, ...set(0),
    BR, 0,
    END, END,
    ...get(7),
    END,
  ];
  const section = (id: number, bytes: number[]) => [id, ...leb128(bytes.length), ...bytes];
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 1, I32]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("verify"), 0x00, 0]),
    ...section(10, [1, ...leb128(body.length), ...body]),
  ]);
}

type VerifyKernel = (rowsByte: number, count: number, wordsByte: number, qByte: number, radius: number, outByte: number) => number;

let kernelModule: WebAssembly.Module | null | undefined;
function kernel(): WebAssembly.Module | null {
  if (kernelModule === undefined) {
    try {
      kernelModule = typeof WebAssembly === "object" ? new WebAssembly.Module(kernelBytes()) : null;
    } catch {
      kernelModule = null;
    }
  }
  return kernelModule;
}

/** Whether the WebAssembly kernel can run here. */
export function wasmAvailable(): boolean {
  return kernel() !== null;
}

// ---------------------------------------------------------------------------
// Segments: immutable bulk-built parts (rows sorted by id, CSR buckets)

const WASM_PAGE = 65536;
const MAX_WASM_BYTES = 4 * 1024 * 1024 * 1024 - WASM_PAGE;
const align64 = (n: number) => Math.ceil(n / 64) * 64;

class Segment {
  readonly count: number;
  readonly ids: Uint32Array;
  readonly words: Uint32Array;
  /** SLOT_COUNT × 65,537 bucket offsets. */
  readonly offsets: Uint32Array;
  /** Per slot, row numbers grouped by that slot's value. */
  readonly slotRows: Uint32Array[];
  /** Tombstones, one bit per row. */
  readonly dead: Uint32Array;
  deadCount = 0;
  private readonly bytes: number;
  // WebAssembly: the arrays above are views of one memory.
  private readonly verify: VerifyKernel | null = null;
  private readonly query: Uint32Array | null = null;
  private readonly out: Uint32Array | null = null;
  private readonly wordsByte: number = 0;
  private readonly rowsByte: number = 0;
  private readonly outByte: number = 0;

  /** `ids` strictly increasing (see sortAndDedupe); takes the arrays. */
  constructor(ids: Uint32Array, words: Uint32Array, useWasm: boolean) {
    const n = ids.length;
    this.count = n;
    this.ids = ids;
    this.dead = new Uint32Array((n + 31) >>> 5);
    if (n < LINEAR_BELOW) {
      // Too small for buckets to pay off (4 MB of offsets): always scanned.
      this.words = words.length === n * PDQ_WORDS ? words : words.slice(0, n * PDQ_WORDS);
      this.offsets = new Uint32Array(0);
      this.slotRows = [];
      this.bytes = this.ids.byteLength + this.words.byteLength + this.dead.byteLength;
      return;
    }
    // Bucket sizes, two slots (one word) per pass.
    const counted = new Uint32Array(SLOT_COUNT * OFFSETS_PER_SLOT);
    for (let w = 0; w < PDQ_WORDS; w++) {
      const hi = 2 * w * OFFSETS_PER_SLOT + 1;
      const lo = (2 * w + 1) * OFFSETS_PER_SLOT + 1;
      for (let o = w, end = n * PDQ_WORDS; o < end; o += PDQ_WORDS) {
        const x = words[o];
        counted[hi + (x >>> 16)]++;
        counted[lo + (x & 0xffff)]++;
      }
    }
    let maxBucket = 0;
    for (let s = 0; s < SLOT_COUNT; s++) {
      const base = s * OFFSETS_PER_SLOT;
      for (let v = 1; v <= SLOT_VALUES; v++) {
        if (counted[base + v] > maxBucket) maxBucket = counted[base + v];
        counted[base + v] += counted[base + v - 1];
      }
    }

    const module = useWasm ? kernel() : null;
    const offsetsByte = 64;
    const wordsByte = align64(offsetsByte + counted.byteLength);
    const rowsByte = align64(wordsByte + n * PDQ_WORDS * 4);
    const outByte = align64(rowsByte + SLOT_COUNT * n * 4);
    const total = outByte + maxBucket * 8;
    let memory: WebAssembly.Memory | null = null;
    if (module && total <= MAX_WASM_BYTES) {
      try {
        const pages = Math.ceil(total / WASM_PAGE);
        memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      } catch {
        memory = null; // e.g. address space limits: fall back to plain arrays
      }
    }
    if (memory && module) {
      const buffer = memory.buffer;
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      this.verify = instance.exports.verify as VerifyKernel;
      this.query = new Uint32Array(buffer, 0, PDQ_WORDS);
      this.offsets = new Uint32Array(buffer, offsetsByte, counted.length);
      this.offsets.set(counted);
      this.words = new Uint32Array(buffer, wordsByte, n * PDQ_WORDS);
      this.words.set(words.subarray(0, n * PDQ_WORDS));
      const rows = new Uint32Array(buffer, rowsByte, SLOT_COUNT * n);
      this.slotRows = Array.from({ length: SLOT_COUNT }, (_, s) => rows.subarray(s * n, (s + 1) * n));
      this.out = new Uint32Array(buffer, outByte, maxBucket * 2);
      this.wordsByte = wordsByte;
      this.rowsByte = rowsByte;
      this.outByte = outByte;
      this.bytes = buffer.byteLength;
    } else {
      this.offsets = counted;
      this.words = words.length === n * PDQ_WORDS ? words : words.slice(0, n * PDQ_WORDS);
      this.slotRows = Array.from({ length: SLOT_COUNT }, () => new Uint32Array(n));
      this.bytes = counted.byteLength + this.words.byteLength + SLOT_COUNT * n * 4;
    }
    this.bytes += this.ids.byteLength + this.dead.byteLength;

    // Fill the buckets (counting sort), two slots per pass.
    const cursorHi = new Uint32Array(SLOT_VALUES);
    const cursorLo = new Uint32Array(SLOT_VALUES);
    const stored = this.words;
    for (let w = 0; w < PDQ_WORDS; w++) {
      cursorHi.set(this.offsets.subarray(2 * w * OFFSETS_PER_SLOT, 2 * w * OFFSETS_PER_SLOT + SLOT_VALUES));
      cursorLo.set(this.offsets.subarray((2 * w + 1) * OFFSETS_PER_SLOT, (2 * w + 1) * OFFSETS_PER_SLOT + SLOT_VALUES));
      const rowsHi = this.slotRows[2 * w];
      const rowsLo = this.slotRows[2 * w + 1];
      for (let r = 0, o = w; r < n; r++, o += PDQ_WORDS) {
        const x = stored[o];
        rowsHi[cursorHi[x >>> 16]++] = r;
        rowsLo[cursorLo[x & 0xffff]++] = r;
      }
    }
  }

  /** Whether candidates are verified in WebAssembly (small segments are only scanned). */
  get wasm(): boolean {
    return this.verify !== null || this.count < LINEAR_BELOW;
  }

  get live(): number {
    return this.count - this.deadCount;
  }

  get byteLength(): number {
    return this.bytes;
  }

  isDead(row: number): boolean {
    return ((this.dead[row >>> 5] >>> (row & 31)) & 1) === 1;
  }

  kill(row: number): void {
    this.dead[row >>> 5] |= 1 << (row & 31);
    this.deadCount++;
  }

  /** Live row of `id`, or -1. */
  locate(id: number): number {
    const ids = this.ids;
    let lo = 0;
    let hi = this.count - 1;
    if (hi < 0 || id < ids[0] || id > ids[hi]) return -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v < id) lo = mid + 1;
      else if (v > id) hi = mid - 1;
      else return this.isDead(mid) ? -1 : mid;
    }
    return -1;
  }

  /** Copies of the live rows (ids still sorted). */
  liveRows(): { ids: Uint32Array; words: Uint32Array } {
    if (this.deadCount === 0) return { ids: this.ids.slice(), words: this.words.slice() };
    const ids = new Uint32Array(this.live);
    const words = new Uint32Array(this.live * PDQ_WORDS);
    for (let r = 0, n = 0; r < this.count; r++) {
      if (this.isDead(r)) continue;
      ids[n] = this.ids[r];
      copyHash(this.words, r, words, n++);
    }
    return { ids, words };
  }

  probe(q: Uint32Array, radius: number, p: number, masks: Int32Array, out: PdqMatch[]): void {
    if (this.verify) this.probeWasm(q, radius, p, masks, out);
    else if (this.slotRows.length > 0) this.probeJs(q, radius, p, masks, out);
    else this.scan(q, radius, out);
  }

  private probeWasm(q: Uint32Array, radius: number, p: number, masks: Int32Array, out: PdqMatch[]): void {
    const verify = this.verify!;
    const hits = this.out!;
    const { offsets, words, ids, count, wordsByte, outByte } = this;
    this.query!.set(q);
    const probes = masks.length;
    for (let s = 0; s < SLOT_COUNT; s++) {
      const value = slotValue(q, 0, s);
      const base = s * OFFSETS_PER_SLOT;
      const rowsByte = this.rowsByte + s * count * 4;
      for (let m = 0; m < probes; m++) {
        const bucket = base + (value ^ masks[m]);
        const start = offsets[bucket];
        const length = offsets[bucket + 1] - start;
        if (length === 0) continue;
        const found = verify(rowsByte + start * 4, length, wordsByte, 0, radius, outByte);
        for (let h = 0; h < found; h++) {
          const row = hits[2 * h];
          if (firstSlotWithin(words, row * PDQ_WORDS, q, p) !== s) continue; // reported from an earlier slot
          if (this.isDead(row)) continue;
          out.push({ id: ids[row], distance: hits[2 * h + 1] });
        }
      }
    }
  }

  private probeJs(q: Uint32Array, radius: number, p: number, masks: Int32Array, out: PdqMatch[]): void {
    const { offsets, words, ids } = this;
    const q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5], q6 = q[6], q7 = q[7];
    const probes = masks.length;
    for (let s = 0; s < SLOT_COUNT; s++) {
      const rows = this.slotRows[s];
      const value = slotValue(q, 0, s);
      const base = s * OFFSETS_PER_SLOT;
      for (let m = 0; m < probes; m++) {
        const bucket = base + (value ^ masks[m]);
        const end = offsets[bucket + 1];
        for (let k = offsets[bucket]; k < end; k++) {
          const row = rows[k];
          const o = row * PDQ_WORDS;
          let d =
            popcount32(words[o] ^ q0) + popcount32(words[o + 1] ^ q1) +
            popcount32(words[o + 2] ^ q2) + popcount32(words[o + 3] ^ q3);
          if (d > radius) continue;
          d +=
            popcount32(words[o + 4] ^ q4) + popcount32(words[o + 5] ^ q5) +
            popcount32(words[o + 6] ^ q6) + popcount32(words[o + 7] ^ q7);
          if (d > radius) continue;
          if (firstSlotWithin(words, o, q, p) !== s) continue;
          if (this.isDead(row)) continue;
          out.push({ id: ids[row], distance: d });
        }
      }
    }
  }

  scan(q: Uint32Array, radius: number, out: PdqMatch[]): void {
    for (let r = 0; r < this.count; r++) {
      const d = distanceWords(this.words, r * PDQ_WORDS, q, 0);
      if (d <= radius && !this.isDead(r)) out.push({ id: this.ids[r], distance: d });
    }
  }
}

/** Segments over rows in any order: sorted by id, repeated ids reduced to the last, split at MAX_SEGMENT_ROWS. */
function buildSegments(ids: Uint32Array, words: Uint32Array, useWasm: boolean): Segment[] {
  ({ ids, words } = sortAndDedupe(ids, words, ids.length));
  const n = ids.length;
  if (n === 0) return [];
  if (n <= MAX_SEGMENT_ROWS) return [new Segment(ids, words, useWasm)];
  const parts = Math.ceil(n / MAX_SEGMENT_ROWS);
  const per = Math.ceil(n / parts);
  const segments: Segment[] = [];
  for (let start = 0; start < n; start += per) {
    const end = Math.min(n, start + per);
    segments.push(new Segment(ids.slice(start, end), words.slice(start * PDQ_WORDS, end * PDQ_WORDS), useWasm));
  }
  return segments;
}

// ---------------------------------------------------------------------------
// The index

export class PdqIndex {
  /** Bulk-built parts, oldest first. */
  private segments: Segment[] = [];

  // Dynamic tail: appended rows, per-slot singly linked buckets.
  private tailIds: Uint32Array = new Uint32Array(0);
  private tailWords: Uint32Array = new Uint32Array(0);
  private tailCount = 0;
  private tailDeadCount = 0;
  /** SLOT_COUNT × 65,536 bucket heads (row or -1); allocated on first add. */
  private tailHeads: Int32Array | null = null;
  /** Per row × slot: the next row in the same bucket, or -1. */
  private tailNext: Int32Array = new Int32Array(0);
  private tailDead: Uint8Array = new Uint8Array(0);
  private tailById = new Map<number, number>();

  private highestId = -1;
  private readonly tailLimit: number;
  private readonly maxMergeRows: number;
  private readonly useWasm: boolean;
  private readonly scratch = new Uint32Array(PDQ_WORDS);

  constructor(options: PdqIndexOptions = {}) {
    const { tailRows = DEFAULT_TAIL_ROWS, maxMergeRows = DEFAULT_MAX_MERGE_ROWS, wasm = true } = options;
    if (!Number.isInteger(tailRows) || tailRows < 1) throw new RangeError("tailRows must be a positive integer");
    if (!Number.isInteger(maxMergeRows) || maxMergeRows < 1) throw new RangeError("maxMergeRows must be a positive integer");
    this.tailLimit = tailRows;
    this.maxMergeRows = maxMergeRows;
    this.useWasm = wasm;
  }

  // -- construction ---------------------------------------------------------

  /**
   * Bulk-builds an index from (id, hash) entries — objects `{ id, hash }` or
   * pairs `[id, hash]` — or from parallel arrays `{ ids, hashes }`. Throws on
   * the first bad id or hash. A repeated id: the last hash wins.
   */
  static build(
    source: Iterable<PdqEntryLike> | { ids: ArrayLike<number>; hashes: ArrayLike<string> },
    options: PdqIndexOptions = {},
  ): PdqIndex {
    if ("ids" in source && "hashes" in source) {
      const { ids, hashes } = source;
      if (ids.length !== hashes.length) throw new RangeError("ids and hashes differ in length");
      const builder = new PdqIndexBuilder(ids.length);
      for (let i = 0; i < ids.length; i++) builder.add(ids[i], hashes[i]);
      return builder.build(options);
    }
    const builder = new PdqIndexBuilder(Array.isArray(source) ? source.length : 1024);
    for (const entry of source as Iterable<PdqEntryLike>) addEntry(builder, entry);
    return builder.build(options);
  }

  /** {@link build} from an async source, e.g. a database cursor. */
  static async buildAsync(
    source: AsyncIterable<PdqEntryLike> | Iterable<PdqEntryLike>,
    options: PdqIndexOptions & { expectedSize?: number } = {},
  ): Promise<PdqIndex> {
    const builder = new PdqIndexBuilder(options.expectedSize);
    for await (const entry of source) addEntry(builder, entry);
    return builder.build(options);
  }

  /** A streaming bulk builder (pass the expected row count if known). */
  static builder(expectedSize?: number): PdqIndexBuilder {
    return new PdqIndexBuilder(expectedSize);
  }

  /**
   * Bulk-builds from parsed words: `ids[i]` owns `words[8i…8i+7]`. Takes
   * ownership of the arrays (they may be reordered in place; do not reuse them).
   */
  static fromWords(ids: Uint32Array, words: Uint32Array, options: PdqIndexOptions = {}): PdqIndex {
    if (words.length !== ids.length * PDQ_WORDS) throw new RangeError("words must hold 8 per id");
    const index = new PdqIndex(options);
    index.segments = buildSegments(ids, words, index.useWasm);
    for (const segment of index.segments)
      if (segment.count > 0) index.highestId = Math.max(index.highestId, segment.ids[segment.count - 1]);
    return index;
  }

  // -- queries ----------------------------------------------------------------

  /** Live (not removed) rows. */
  get size(): number {
    let size = this.tailCount - this.tailDeadCount;
    for (const segment of this.segments) size += segment.live;
    return size;
  }

  /** Highest id ever added (removed or not), -1 if none: a cursor for polling newer sightings. */
  get maxId(): number {
    return this.highestId;
  }

  has(id: number): boolean {
    return this.tailById.has(id) || this.segments.some((segment) => segment.locate(id) >= 0);
  }

  /** The stored hash of `id` (lower-case hex), if present. */
  hashOf(id: number): string | undefined {
    const t = this.tailById.get(id);
    if (t !== undefined) return wordsToHex(this.tailWords, t * PDQ_WORDS);
    for (const segment of this.segments) {
      const row = segment.locate(id);
      if (row >= 0) return wordsToHex(segment.words, row * PDQ_WORDS);
    }
    return undefined;
  }

  /**
   * Every stored hash within `maxDistance` (default 31) of `hash`, as
   * `{ id, distance }` sorted by distance, then id. Exact.
   */
  search(hash: string, maxDistance: number = MATCH_DISTANCE, options: PdqSearchOptions = {}): PdqMatch[] {
    hexToWords(hash, this.scratch, 0);
    return this.searchWords(this.scratch, maxDistance, options);
  }

  /** {@link search} with the query as 8 words (word 0 = first 8 hex digits). */
  searchWords(query: ArrayLike<number>, maxDistance: number = MATCH_DISTANCE, options: PdqSearchOptions = {}): PdqMatch[] {
    assertRadius(maxDistance);
    const q = this.scratch;
    if (query !== q) {
      if (query.length < PDQ_WORDS) throw new TypeError("query must have 8 words");
      for (let w = 0; w < PDQ_WORDS; w++) q[w] = query[w];
    }
    const p = maxDistance >>> 4; // pigeonhole: some slot within p bits
    const method = options.method ?? "auto";
    let rows = this.tailCount;
    for (const segment of this.segments) rows += segment.count;
    const useIndex =
      method === "index" || (method === "auto" && maxDistance <= MAX_INDEXED_DISTANCE && rows >= LINEAR_BELOW);
    const out: PdqMatch[] = [];
    if (useIndex) {
      const masks = masksUpTo(p);
      for (const segment of this.segments) segment.probe(q, maxDistance, p, masks, out);
      if (this.tailCount > 0) this.probeTail(q, maxDistance, p, masks, out);
    } else {
      for (const segment of this.segments) segment.scan(q, maxDistance, out);
      this.scanTail(q, maxDistance, out);
    }
    return out.sort(compareMatches);
  }

  stats(): PdqIndexStats {
    let bytes =
      this.tailIds.byteLength + this.tailWords.byteLength + this.tailNext.byteLength +
      this.tailDead.byteLength + (this.tailHeads?.byteLength ?? 0);
    let deleted = this.tailDeadCount;
    for (const segment of this.segments) {
      bytes += segment.byteLength;
      deleted += segment.deadCount;
    }
    return {
      size: this.size,
      segmentRows: this.segments.map((segment) => segment.count),
      tailRows: this.tailCount,
      deletedRows: deleted,
      wasm: this.segments.length > 0 && this.segments.every((segment) => segment.wasm),
      bytes,
    };
  }

  // -- updates ----------------------------------------------------------------

  /**
   * Adds (or replaces) the hash of sighting `id`; visible to searches at once.
   * Throws, changing nothing, on a bad id or hash.
   */
  add(id: number, hash: string): void {
    assertId(id);
    hexToWords(hash, this.scratch, 0);
    this.insert(id, this.scratch, 0);
    this.maybeFlush();
  }

  /** {@link add} from 8 words at `words[offset…]`. */
  addWords(id: number, words: ArrayLike<number>, offset = 0): void {
    assertId(id);
    if (words.length < offset + PDQ_WORDS) throw new TypeError("a hash needs 8 words");
    this.insert(id, words, offset);
    this.maybeFlush();
  }

  /** Adds (or replaces) many entries. All are validated first: on a bad one nothing is added. */
  addMany(entries: Iterable<PdqEntryLike>): void {
    const staged = new PdqIndexBuilder(Array.isArray(entries) ? entries.length : 1024);
    for (const entry of entries) addEntry(staged, entry);
    const { ids, words } = staged.take();
    for (let i = 0; i < ids.length; i++) {
      this.insert(ids[i], words, i * PDQ_WORDS);
      this.maybeFlush();
    }
  }

  /** Removes `id` (soft delete); true if it was present. */
  remove(id: number): boolean {
    const t = this.tailById.get(id);
    if (t !== undefined) {
      this.killTail(id, t);
      return true;
    }
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      const row = segment.locate(id);
      if (row < 0) continue;
      segment.kill(row);
      // Purge a mostly-removed segment when rebuilding it is a bounded pause.
      if (segment.deadCount * 2 >= segment.count && segment.count <= this.maxMergeRows) {
        const { ids, words } = segment.liveRows();
        this.segments.splice(i, 1, ...buildSegments(ids, words, this.useWasm));
      }
      return true;
    }
    return false;
  }

  /**
   * Rebuilds everything (segments and tail) into as few segments as possible
   * and purges removed rows. Blocks for about as long as a start-up build of
   * the same size; call it at a quiet time if at all (e.g. after bulk deletes).
   */
  compact(): void {
    const total = this.size;
    const ids = new Uint32Array(total);
    const words = new Uint32Array(total * PDQ_WORDS);
    let n = 0;
    for (const segment of this.segments) {
      for (let r = 0; r < segment.count; r++) {
        if (segment.isDead(r)) continue;
        ids[n] = segment.ids[r];
        copyHash(segment.words, r, words, n++);
      }
    }
    const tail = this.tailLiveRows();
    ids.set(tail.ids, n);
    words.set(tail.words, n * PDQ_WORDS);
    this.segments = [];
    this.clearTail();
    this.segments = buildSegments(ids, words, this.useWasm);
  }

  // -- internals --------------------------------------------------------------

  private insert(id: number, words: ArrayLike<number>, offset: number): void {
    this.remove(id); // replace: the old row (if any) becomes a tombstone
    if (this.tailHeads === null) this.tailHeads = new Int32Array(SLOT_COUNT * SLOT_VALUES).fill(-1);
    if (this.tailCount === this.tailIds.length) this.growTail();
    const t = this.tailCount++;
    const o = t * PDQ_WORDS;
    for (let w = 0; w < PDQ_WORDS; w++) this.tailWords[o + w] = words[offset + w];
    this.tailIds[t] = id;
    this.tailById.set(id, t);
    const heads = this.tailHeads;
    for (let s = 0; s < SLOT_COUNT; s++) {
      const head = s * SLOT_VALUES + slotValue(this.tailWords, o, s);
      this.tailNext[t * SLOT_COUNT + s] = heads[head];
      heads[head] = t;
    }
    if (id > this.highestId) this.highestId = id;
  }

  private killTail(id: number, t: number): void {
    this.tailDead[t] = 1;
    this.tailDeadCount++;
    this.tailById.delete(id);
  }

  private growTail(): void {
    const capacity = Math.min(Math.max(1024, this.tailIds.length * 2), Math.max(1024, this.tailLimit));
    this.tailIds = growU32(this.tailIds, capacity);
    this.tailWords = growU32(this.tailWords, capacity * PDQ_WORDS);
    const next = new Int32Array(capacity * SLOT_COUNT);
    next.set(this.tailNext);
    this.tailNext = next;
    const dead = new Uint8Array(capacity);
    dead.set(this.tailDead);
    this.tailDead = dead;
  }

  private tailLiveRows(): { ids: Uint32Array; words: Uint32Array } {
    const live = this.tailCount - this.tailDeadCount;
    const ids = new Uint32Array(live);
    const words = new Uint32Array(live * PDQ_WORDS);
    for (let t = 0, n = 0; t < this.tailCount; t++) {
      if (this.tailDead[t]) continue;
      ids[n] = this.tailIds[t];
      copyHash(this.tailWords, t, words, n++);
    }
    return { ids, words };
  }

  private clearTail(): void {
    this.tailIds = new Uint32Array(0);
    this.tailWords = new Uint32Array(0);
    this.tailCount = 0;
    this.tailDeadCount = 0;
    this.tailHeads = null;
    this.tailNext = new Int32Array(0);
    this.tailDead = new Uint8Array(0);
    this.tailById = new Map();
  }

  /** A full tail becomes a segment; then neighbouring segments of similar size merge. */
  private maybeFlush(): void {
    if (this.tailCount < this.tailLimit) return;
    const { ids, words } = this.tailLiveRows();
    this.clearTail();
    this.segments.push(...buildSegments(ids, words, this.useWasm));
    for (let n = this.segments.length; n >= 2; n = this.segments.length) {
      const older = this.segments[n - 2];
      const newer = this.segments[n - 1];
      if (newer.live * 2 < older.live || older.live + newer.live > this.maxMergeRows) break;
      const a = older.liveRows();
      const b = newer.liveRows();
      const ids = new Uint32Array(a.ids.length + b.ids.length);
      ids.set(a.ids);
      ids.set(b.ids, a.ids.length);
      const words = new Uint32Array(ids.length * PDQ_WORDS);
      words.set(a.words);
      words.set(b.words, a.words.length);
      this.segments.splice(n - 2, 2, ...buildSegments(ids, words, this.useWasm));
    }
  }

  private probeTail(q: Uint32Array, radius: number, p: number, masks: Int32Array, out: PdqMatch[]): void {
    const words = this.tailWords;
    const heads = this.tailHeads!;
    const next = this.tailNext;
    const probes = masks.length;
    for (let s = 0; s < SLOT_COUNT; s++) {
      const value = slotValue(q, 0, s);
      const base = s * SLOT_VALUES;
      for (let m = 0; m < probes; m++) {
        for (let t = heads[base + (value ^ masks[m])]; t >= 0; t = next[t * SLOT_COUNT + s]) {
          const o = t * PDQ_WORDS;
          const d = distanceWords(words, o, q, 0);
          if (d > radius) continue;
          if (firstSlotWithin(words, o, q, p) !== s) continue;
          if (this.tailDead[t]) continue;
          out.push({ id: this.tailIds[t], distance: d });
        }
      }
    }
  }

  private scanTail(q: Uint32Array, radius: number, out: PdqMatch[]): void {
    for (let t = 0; t < this.tailCount; t++) {
      const d = distanceWords(this.tailWords, t * PDQ_WORDS, q, 0);
      if (d <= radius && !this.tailDead[t]) out.push({ id: this.tailIds[t], distance: d });
    }
  }
}

function addEntry(builder: PdqIndexBuilder, entry: PdqEntryLike): void {
  if (Array.isArray(entry)) builder.add(entry[0], entry[1]);
  else builder.add((entry as PdqEntry).id, (entry as PdqEntry).hash);
}
