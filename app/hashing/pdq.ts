/**
 * PDQ perceptual hash (Meta), as a pure, isomorphic TypeScript port.
 *
 * This follows the reference C++ in facebook/ThreatExchange (pdq/cpp:
 * hashing/pdqhashing.cpp, downscaling/downscaling.cpp, hashing/torben.cpp,
 * common/pdqhashtypes.{h,cpp}), BSD licence, Copyright (c) Meta Platforms, Inc.
 * and affiliates. The goal is bit-for-bit equality with that code for the same
 * input pixels, because hash lists made elsewhere are compared with ours by
 * Hamming distance and every flipped bit eats into the match threshold.
 *
 * Float semantics: the reference does all image arithmetic in IEEE single
 * precision (x86-64 SSE, no FMA). JavaScript numbers are doubles, so every
 * float operation here is written as `fround(a op b)`. For +, -, *, / on
 * float32 operands, rounding the exact double result to float32 gives exactly
 * the float32 result (double has more than 2*24+2 significand bits, so the
 * double rounding is innocuous); the code relies on that and therefore rounds
 * after *every* operation, in the same order as the reference.
 *
 * No Node or DOM imports: this module runs in a browser Web Worker and in Node.
 */

const fround = Math.fround;

/** Hamming distance at or below which two PDQ hashes are considered a match (Meta's recommendation). */
export const MATCH_DISTANCE = 31;
/** Hashes with quality below this are too featureless to be trusted for matching (Meta's recommendation). */
export const MIN_QUALITY = 50;
/** Images smaller than this in either dimension hash to all zeroes with quality 0 (reference `MIN_HASHABLE_DIM`). */
export const MIN_HASHABLE_DIM = 5;
/** Number of hex characters in a serialised PDQ hash (256 bits). */
export const HASH_HEX_LENGTH = 64;
/** The hash given to images too small to hash. */
export const ZERO_HASH = "0".repeat(HASH_HEX_LENGTH);

/**
 * The eight dihedral transforms, in the order the reference CLI prints them.
 * In terms of the pixels: rotate90 is a quarter turn anticlockwise, rotate270
 * clockwise; flipX mirrors top to bottom, flipY left to right; flipPlus1
 * transposes (main diagonal) and flipMinus1 mirrors on the anti-diagonal.
 * The variants are computed from the original's DCT, so the hash of actually
 * transformed pixels is close to, but not always identical with, its variant.
 */
export const DIHEDRAL_NAMES = [
  "original",
  "rotate90",
  "rotate180",
  "rotate270",
  "flipX",
  "flipY",
  "flipPlus1",
  "flipMinus1",
] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

export interface PdqResult {
  /** 64 lowercase hex characters, formatted as the reference `Hash256::format`. */
  hash: string;
  /** 0–100; below {@link MIN_QUALITY} the hash should not be used for matching. */
  quality: number;
}

export interface PdqDihedralResult {
  /** Hash of each dihedral transform of the image, computed from one DCT. */
  hashes: Record<DihedralName, string>;
  quality: number;
}

/** Pixel layouts accepted by {@link lumaFromPixels}. */
export type Channels = 1 | 2 | 3 | 4;

export interface LumaOptions {
  /**
   * Treat a 3- or 4-channel buffer whose source image was greyscale (R = G = B,
   * e.g. a greyscale JPEG decoded to RGBA) as grey: luma is then the R value
   * itself, which is what the reference does for single-channel images
   * (`fillFloatLumaFromGrey`). The RGB formula would instead give values a
   * rounding error away from the grey level, occasionally flipping a bit.
   */
  greyscale?: boolean;
}

// ---------------------------------------------------------------------------
// Luminance

// The reference keeps the coefficients as `float` and multiplies each by a
// uint8 promoted to float, then adds left to right: Y = (R' + G') + B' with
// every step rounded to float. (R' + G') depends only on the (R, G) pair, so a
// 65536-entry table of it saves two multiplies, a table load and a rounding per
// pixel without changing any value. Built on first use (256 KiB).
let lumaRG: Float32Array | undefined;
const LUMA_B = new Float32Array(256);
{
  const b = fround(0.114);
  for (let v = 0; v < 256; v++) LUMA_B[v] = fround(b * v);
}

function lumaRGTable(): Float32Array {
  if (!lumaRG) {
    const cr = fround(0.299);
    const cg = fround(0.587);
    lumaRG = new Float32Array(65536);
    for (let r = 0; r < 256; r++) {
      const rr = fround(cr * r);
      for (let g = 0; g < 256; g++) lumaRG[(r << 8) | g] = fround(rr + fround(cg * g));
    }
  }
  return lumaRG;
}

/**
 * Supplies luminance a few rows at a time: fills rows `first .. first+count-1`
 * (row-major, `width` floats each) and returns an array holding them from index 0
 * (either `scratch` or a view of an existing luma buffer).
 */
type LumaRows = (first: number, count: number, scratch: Float32Array) => Float32Array;

function lumaRowsFromPixels(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: Channels,
  options: LumaOptions
): LumaRows {
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new RangeError(`channels must be 1, 2, 3 or 4, not ${channels}`);
  }
  if (pixels.length < width * height * channels) {
    throw new RangeError(
      `pixel buffer has ${pixels.length} bytes, expected ${
        width * height * channels
      } for ${width}x${height}x${channels}`
    );
  }
  if (channels <= 2 || options.greyscale) {
    // Reference fillFloatLumaFromGrey: the grey level itself.
    return (first, count, scratch) => {
      const n = count * width;
      for (let i = 0, p = first * width * channels; i < n; i++, p += channels)
        scratch[i] = pixels[p];
      return scratch;
    };
  }
  const rg = lumaRGTable();
  return (first, count, scratch) => {
    const n = count * width;
    for (let i = 0, p = first * width * channels; i < n; i++, p += channels) {
      // The Float32Array store performs the reference's final float rounding.
      scratch[i] = rg[(pixels[p] << 8) | pixels[p + 1]] + LUMA_B[pixels[p + 2]];
    }
    return scratch;
  };
}

function lumaRowsFromBuffer(luma: Float32Array, width: number, height: number): LumaRows {
  if (luma.length < width * height) throw new RangeError("luma buffer too small");
  return (first, count) => luma.subarray(first * width, (first + count) * width);
}

/**
 * Converts 8-bit pixels to float luminance, row-major, as the reference
 * `fillFloatLumaFromRGB` (Y = 0.299 R + 0.587 G + 0.114 B in float32) or
 * `fillFloatLumaFromGrey` (Y = the grey level) does.
 *
 * Alpha is ignored, as in every reference implementation: the C++ reads only the
 * first three CImg channels and the Java only the RGB bits of `getRGB`.
 * 1 and 2 channels are grey and grey+alpha.
 */
export function lumaFromPixels(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: Channels = 4,
  options: LumaOptions = {}
): Float32Array {
  checkDimensions(width, height);
  const out = new Float32Array(width * height);
  lumaRowsFromPixels(pixels, width, height, channels, options)(0, height, out);
  return out;
}

// ---------------------------------------------------------------------------
// Public hashing entry points

/** PDQ hash and quality of an 8-bit image buffer (RGBA by default). */
export function pdqFromRgba(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: Channels = 4,
  options: LumaOptions = {}
): PdqResult {
  checkDimensions(width, height);
  if (tooSmall(width, height)) return { hash: ZERO_HASH, quality: 0 };
  const rows = lumaRowsFromPixels(pixels, width, height, channels, options);
  return hashFromRows(rows, width, height);
}

/** The 8 dihedral PDQ hashes and the quality of an 8-bit image buffer (RGBA by default). */
export function pdqDihedralFromRgba(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: Channels = 4,
  options: LumaOptions = {}
): PdqDihedralResult {
  checkDimensions(width, height);
  if (tooSmall(width, height)) return zeroDihedral();
  const rows = lumaRowsFromPixels(pixels, width, height, channels, options);
  return dihedralFromRows(rows, width, height);
}

/**
 * PDQ hash of a float luminance image (row-major, `width * height`); the
 * buffer is not modified.
 *
 * Mirrors `pdqHash256FromFloatLuma`, including its shortcut: an image that is
 * already exactly 64x64 is used as the 64x64 downsample without filtering.
 */
export function pdqFromLuma(luma: Float32Array, width: number, height: number): PdqResult {
  checkDimensions(width, height);
  if (tooSmall(width, height)) return { hash: ZERO_HASH, quality: 0 };
  return hashFromRows(lumaRowsFromBuffer(luma, width, height), width, height);
}

/**
 * The 8 dihedral PDQ hashes of a float luminance image; the buffer is not modified.
 *
 * Mirrors `pdqDihedralHash256esFromFloatLuma`, which (unlike the single-hash
 * path) always filters, even a 64x64 input; so for exactly-64x64 images the
 * `original` here can differ in a few bits from {@link pdqFromLuma}, as in the
 * reference.
 */
export function pdqDihedralFromLuma(
  luma: Float32Array,
  width: number,
  height: number
): PdqDihedralResult {
  checkDimensions(width, height);
  if (tooSmall(width, height)) return zeroDihedral();
  return dihedralFromRows(lumaRowsFromBuffer(luma, width, height), width, height);
}

function hashFromRows(rows: LumaRows, width: number, height: number): PdqResult {
  // The reference's single-hash path (only) uses a 64x64 input as is.
  const buffer64x64 =
    width === 64 && height === 64
      ? rows(0, 64, new Float32Array(64 * 64)).slice(0, 64 * 64)
      : downsampleTo64x64(rows, width, height);
  const quality = imageDomainQualityMetric(buffer64x64);
  return { hash: dctToHash(dct64To16(buffer64x64)), quality };
}

function dihedralFromRows(rows: LumaRows, width: number, height: number): PdqDihedralResult {
  const buffer64x64 = downsampleTo64x64(rows, width, height);
  const quality = imageDomainQualityMetric(buffer64x64);
  const dct = dct64To16(buffer64x64);
  const aux = new Float32Array(256);
  const hashes = {} as Record<DihedralName, string>;
  for (const name of DIHEDRAL_NAMES) {
    hashes[name] =
      name === "original" ? dctToHash(dct) : dctToHash(DIHEDRAL_TRANSFORMS[name](dct, aux));
  }
  return { hashes, quality };
}

// ---------------------------------------------------------------------------
// Hash utilities

/** Number of differing bits between two 64-hex-character PDQ hashes. */
export function hammingDistance(a: string, b: string): number {
  assertHash(a);
  assertHash(b);
  let distance = 0;
  for (let i = 0; i < HASH_HEX_LENGTH; i += 8) {
    distance += popcount32(
      (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0
    );
  }
  return distance;
}

/** True for a well-formed PDQ hash string (64 hex digits, either case). */
export function isPdqHash(value: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(value);
}

function assertHash(value: string): void {
  if (!isPdqHash(value))
    throw new TypeError(`not a PDQ hash (64 hex digits): ${JSON.stringify(value)}`);
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// ---------------------------------------------------------------------------
// Downsampling: two X,Y passes of a 1-D box filter ("Jarosz" tent), then
// decimation to 64x64 taking the pixel at each output cell's centre.

/** Reference `computeJaroszFilterWindowSize(oldDimension, 64)`: ceil(dimension / 128). */
export function jaroszWindowSize(dimension: number): number {
  return Math.floor((dimension + 2 * 64 - 1) / (2 * 64));
}

/** Reference `decimateFloat` source index: `(int)(((out + 0.5) * inDim) / 64)`, in double. */
function decimationIndices(inDimension: number): Int32Array {
  const idx = new Int32Array(64);
  for (let i = 0; i < 64; i++) idx[i] = Math.trunc(((i + 0.5) * inDimension) / 64);
  return idx;
}

/** Rows filtered together by {@link boxRows4}. */
const ROW_BLOCK = 4;

/**
 * Blurs and decimates, with a result bit-identical to the reference's
 * `jaroszFilterFloat` (box filter along rows, then columns, twice) followed by
 * `decimateFloat`.
 *
 * Every output value gets the reference's arithmetic in the reference's
 * order; only the traversal differs, for speed and memory:
 * - a row's running sum is one long chain of dependent float operations, so
 *   rows are filtered four at a time, interleaved, letting the CPU overlap
 *   the chains;
 * - the whole pipeline streams: luminance is made a block of rows at a time,
 *   row-filtered into a ring buffer, column-filtered as rows arrive (one
 *   running sum per column), and each finished row is row-filtered again at
 *   once, keeping only the 64 columns that decimation samples; so no
 *   full-size buffer exists (a 12-megapixel image needs well under 1 MB);
 * - the last column pass therefore runs on 64 columns only, and keeps only
 *   the 64 sampled rows.
 * Every running sum still visits every pixel: a float running sum depends on
 * its whole history.
 */
function downsampleTo64x64(rows: LumaRows, width: number, height: number): Float32Array {
  // Rows are filtered along the width and columns along the height: the
  // reference passes numCols for its "along rows" window, numRows for "along cols".
  const windowAlongRows = jaroszWindowSize(width);
  const windowAlongCols = jaroszWindowSize(height);
  const sampledCols = decimationIndices(width);

  // Second row pass, at the 64 sampled columns: height x 64.
  const sampled = new Float32Array(height * 64);
  const secondPassIn = new Float32Array(ROW_BLOCK * width);
  const secondPassOut = new Float32Array(ROW_BLOCK * width);
  const columns = new StreamingColumnBox(
    width,
    height,
    windowAlongCols,
    secondPassIn,
    (first, count) => {
      boxRowBlock(secondPassIn, secondPassOut, count, width, windowAlongRows);
      for (let k = 0; k < count; k++) {
        const src = k * width;
        const dst = (first + k) * 64;
        for (let s = 0; s < 64; s++) sampled[dst + s] = secondPassOut[src + sampledCols[s]];
      }
    }
  );

  // First row pass, straight into the column filter's ring buffer.
  const lumaScratch = new Float32Array(ROW_BLOCK * width);
  const ring = columns.ring;
  for (let r = 0; r < height; r += ROW_BLOCK) {
    const count = Math.min(ROW_BLOCK, height - r);
    const luma = rows(r, count, lumaScratch);
    // With fewer than four rows left, the last one is filtered repeatedly:
    // the repeats compute and store identical values.
    const k1 = Math.min(1, count - 1);
    const k2 = Math.min(2, count - 1);
    const k3 = Math.min(3, count - 1);
    boxRows4(
      luma,
      0,
      k1 * width,
      k2 * width,
      k3 * width,
      ring,
      columns.ringOffset(r),
      columns.ringOffset(r + k1),
      columns.ringOffset(r + k2),
      columns.ringOffset(r + k3),
      width,
      windowAlongRows
    );
    for (let k = 0; k < count; k++) columns.push();
  }
  columns.finish();

  const out = new Float32Array(64 * 64);
  boxSampledColumns(sampled, out, height, windowAlongCols);
  return out;
}

/** Reference `box1DFloat` phase lengths for a vector of `length` and a window. */
function boxPhases(length: number, window: number) {
  const half = Math.floor((window + 2) / 2); // 7 -> 4, 8 -> 5
  return {
    phase1: half - 1, // accumulate, no writes
    phase2: window - half + 1, // add and write with a growing window
    phase3: length - window, // add, subtract and write with the full window
    phase4: half - 1, // subtract and write with a shrinking window
  };
}

/**
 * Reference `boxAlongColsFloat` (`box1DFloat` down every column), fed one row
 * at a time. Each column keeps its own running sum, updated exactly as the
 * reference does; rows are consumed from a ring buffer holding just the rows
 * the window still needs, and finished rows are written into a block of
 * `ROW_BLOCK` rows handed to `onRows` whenever it fills (and at the end).
 */
class StreamingColumnBox {
  /** Input rows; write row r at `ringOffset(r)` before the `push()` that consumes it. */
  readonly ring: Float32Array;
  private readonly ringRows: number;
  // Running sums hold float32 values; a Float64Array stores them exactly and
  // spares a conversion on every load and store.
  private readonly sums: Float64Array;
  private readonly phase1: number;
  private readonly phase2: number;
  private readonly phase4: number;
  private pushed = 0; // input rows consumed (the reference's ri)
  private subtracted = 0; // input rows subtracted (the reference's li)
  private windowSize = 0; // the reference's current_window_size
  private emitted = 0; // output rows written
  private readonly width: number;
  private readonly height: number;
  private readonly block: Float32Array;
  private readonly onRows: (first: number, count: number) => void;

  constructor(
    width: number,
    height: number,
    window: number,
    block: Float32Array,
    onRows: (first: number, count: number) => void
  ) {
    this.width = width;
    this.height = height;
    this.block = block;
    this.onRows = onRows;
    ({ phase1: this.phase1, phase2: this.phase2, phase4: this.phase4 } = boxPhases(height, window));
    // Pushing row r subtracts row r - window, while rows up to r + ROW_BLOCK - 1
    // may already have been written.
    this.ringRows = window + ROW_BLOCK;
    this.ring = new Float32Array(this.ringRows * width);
    this.sums = new Float64Array(width);
  }

  ringOffset(row: number): number {
    return (row % this.ringRows) * this.width;
  }

  /** Consumes the next input row (phases 1 to 3 of `box1DFloat`). */
  push(): void {
    const { ring, sums, width } = this;
    const ri = this.pushed++;
    if (ri >= this.height) throw new Error("StreamingColumnBox: more rows than the image height");
    const add = this.ringOffset(ri);
    if (ri < this.phase1) {
      this.windowSize++;
      for (let j = 0; j < width; j++) sums[j] = fround(sums[j] + ring[add + j]);
      return;
    }
    const out = this.nextOutputOffset();
    const n = this.windowSize;
    if (ri < this.phase1 + this.phase2) {
      const n1 = ++this.windowSize;
      for (let j = 0; j < width; j++) {
        const s = fround(sums[j] + ring[add + j]);
        sums[j] = s;
        this.block[out + j] = s / n1; // the store rounds the quotient to float
      }
    } else {
      const sub = this.ringOffset(this.subtracted++);
      for (let j = 0; j < width; j++) {
        const s = fround(fround(sums[j] + ring[add + j]) - ring[sub + j]);
        sums[j] = s;
        this.block[out + j] = s / n;
      }
    }
    this.rowDone();
  }

  /** Phase 4 of `box1DFloat`, once every row has been pushed. */
  finish(): void {
    const { ring, sums, width } = this;
    if (this.pushed !== this.height) throw new Error("StreamingColumnBox: rows missing");
    for (let k = 0; k < this.phase4; k++) {
      const sub = this.ringOffset(this.subtracted++);
      const out = this.nextOutputOffset();
      const n = --this.windowSize;
      for (let j = 0; j < width; j++) {
        const s = fround(sums[j] - ring[sub + j]);
        sums[j] = s;
        this.block[out + j] = s / n;
      }
      this.rowDone();
    }
    const pending = this.emitted % ROW_BLOCK;
    if (pending > 0) this.onRows(this.emitted - pending, pending);
  }

  private nextOutputOffset(): number {
    return (this.emitted % ROW_BLOCK) * this.width;
  }

  private rowDone(): void {
    this.emitted++;
    if (this.emitted % ROW_BLOCK === 0) this.onRows(this.emitted - ROW_BLOCK, ROW_BLOCK);
  }
}

/**
 * Second column pass on the height x 64 buffer of sampled columns, keeping
 * only the rows `decimateFloat` samples (rows repeat when height < 64).
 */
function boxSampledColumns(
  sampled: Float32Array,
  out64x64: Float32Array,
  height: number,
  window: number
): void {
  const { phase1, phase2, phase3, phase4 } = boxPhases(height, window);
  const sampledRows = decimationIndices(height);
  const sums = new Float64Array(64); // float32 values, see StreamingColumnBox
  let nextOut = 0; // next output row (0..63) waiting for its source row
  const emit = (row: number, n: number) => {
    while (nextOut < 64 && sampledRows[nextOut] === row) {
      const o = nextOut * 64;
      for (let s = 0; s < 64; s++) out64x64[o + s] = sums[s] / n;
      nextOut++;
    }
  };
  let ri = 0;
  let li = 0;
  let row = 0;
  let n = 0;
  for (let k = 0; k < phase1; k++, ri += 64) {
    n++;
    for (let s = 0; s < 64; s++) sums[s] = fround(sums[s] + sampled[ri + s]);
  }
  for (let k = 0; k < phase2; k++, ri += 64) {
    n++;
    for (let s = 0; s < 64; s++) sums[s] = fround(sums[s] + sampled[ri + s]);
    emit(row++, n);
  }
  for (let k = 0; k < phase3; k++, ri += 64, li += 64) {
    for (let s = 0; s < 64; s++)
      sums[s] = fround(fround(sums[s] + sampled[ri + s]) - sampled[li + s]);
    emit(row++, n);
  }
  for (let k = 0; k < phase4; k++, li += 64) {
    n--;
    for (let s = 0; s < 64; s++) sums[s] = fround(sums[s] - sampled[li + s]);
    emit(row++, n);
  }
}

/**
 * Row-filters `count` (1..4) consecutive rows of `width` floats from `input`
 * to the same rows of `output`. With fewer than four rows, the last is filtered
 * repeatedly; the repeats compute and store identical values.
 */
function boxRowBlock(
  input: Float32Array,
  output: Float32Array,
  count: number,
  width: number,
  window: number
): void {
  const o1 = Math.min(1, count - 1) * width;
  const o2 = Math.min(2, count - 1) * width;
  const o3 = Math.min(3, count - 1) * width;
  boxRows4(input, 0, o1, o2, o3, output, 0, o1, o2, o3, width, window);
}

/**
 * Reference `box1DFloat` (stride 1) applied to four rows at once, starting at
 * the given offsets. Each row's arithmetic is exactly the reference's:
 * `sum += in[ri]; sum -= in[li]; out[oi] = sum / current_window_size`, in float.
 */
function boxRows4(
  input: Float32Array,
  i0: number,
  i1: number,
  i2: number,
  i3: number,
  output: Float32Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  length: number,
  window: number
): void {
  const { phase1, phase2, phase3, phase4 } = boxPhases(length, window);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0; // current window size
  let r = 0; // right edge of the window: next value to add
  let l = 0; // left edge of the window: next value to subtract
  let o = 0; // next output
  for (let k = 0; k < phase1; k++, r++) {
    count++;
    s0 = fround(s0 + input[i0 + r]);
    s1 = fround(s1 + input[i1 + r]);
    s2 = fround(s2 + input[i2 + r]);
    s3 = fround(s3 + input[i3 + r]);
  }
  for (let k = 0; k < phase2; k++, r++, o++) {
    count++;
    s0 = fround(s0 + input[i0 + r]);
    s1 = fround(s1 + input[i1 + r]);
    s2 = fround(s2 + input[i2 + r]);
    s3 = fround(s3 + input[i3 + r]);
    // Float32Array stores round the double quotient to float, which equals
    // the float division the reference performs.
    output[o0 + o] = s0 / count;
    output[o1 + o] = s1 / count;
    output[o2 + o] = s2 / count;
    output[o3 + o] = s3 / count;
  }
  for (let k = 0; k < phase3; k++, r++, l++, o++) {
    s0 = fround(fround(s0 + input[i0 + r]) - input[i0 + l]);
    s1 = fround(fround(s1 + input[i1 + r]) - input[i1 + l]);
    s2 = fround(fround(s2 + input[i2 + r]) - input[i2 + l]);
    s3 = fround(fround(s3 + input[i3 + r]) - input[i3 + l]);
    output[o0 + o] = s0 / count;
    output[o1 + o] = s1 / count;
    output[o2 + o] = s2 / count;
    output[o3 + o] = s3 / count;
  }
  for (let k = 0; k < phase4; k++, l++, o++) {
    count--;
    s0 = fround(s0 - input[i0 + l]);
    s1 = fround(s1 - input[i1 + l]);
    s2 = fround(s2 - input[i2 + l]);
    s3 = fround(s3 - input[i3 + l]);
    output[o0 + o] = s0 / count;
    output[o1 + o] = s1 / count;
    output[o2 + o] = s2 / count;
    output[o3 + o] = s3 / count;
  }
}

// ---------------------------------------------------------------------------
// Quality

/**
 * Reference `pdqImageDomainQualityMetric`: sum of quantised vertical and
 * horizontal neighbour differences of the 64x64 downsample, scaled to 0..100.
 * `int d = ((u - v) * 100) / 255` is float arithmetic truncated toward zero.
 */
function imageDomainQualityMetric(b: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(fround(fround(fround(b[i * 64 + j] - b[(i + 1) * 64 + j]) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(fround(fround(fround(b[i * 64 + j] - b[i * 64 + j + 1]) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

// ---------------------------------------------------------------------------
// DCT

/**
 * The 16x64 DCT-II basis without the DC row (rows 1..16 of the 64-point DCT),
 * row-major, built as the reference does: a float scale sqrt(2/64) times the
 * double cosine, rounded to float.
 */
const DCT_MATRIX = (() => {
  const m = new Float32Array(16 * 64);
  const scale = fround(Math.sqrt(2.0 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      m[i * 64 + j] = scale * Math.cos((Math.PI / 2.0 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/**
 * Reference `dct64To16`: B = D A Dᵀ via T = D A, with float accumulators summed
 * in index order (the order matters for bit-exactness).
 */
function dct64To16(a: Float32Array): Float32Array {
  const d = DCT_MATRIX;
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(d[di + k] * a[k * 64 + j]));
      t[di + j] = sum;
    }
  }
  const b = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(t[ti + k] * d[dj + k]));
      b[i * 16 + j] = sum;
    }
  }
  return b;
}

// ---------------------------------------------------------------------------
// Dihedral transforms in the DCT domain (reference `dct16OriginalTo*`).
// Mirroring an axis multiplies the DCT coefficient of frequency u along that
// axis by (-1)^u, and a quarter turn or diagonal flip transposes the matrix.
// Index i holds frequency i + 1 (the DC term is skipped), so it is the *even*
// indices that change sign. The sign patterns and names are the reference's.

type DctTransform = (a: Float32Array, b: Float32Array) => Float32Array;

function transform(sign: (i: number, j: number) => number, transpose: boolean): DctTransform {
  return (a, b) => {
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const v = sign(i, j) < 0 ? -a[i * 16 + j] : a[i * 16 + j];
        if (transpose) b[j * 16 + i] = v;
        else b[i * 16 + j] = v;
      }
    }
    return b;
  };
}

const DIHEDRAL_TRANSFORMS: Record<Exclude<DihedralName, "original">, DctTransform> = {
  rotate90: transform((_i, j) => (j & 1 ? 1 : -1), true),
  rotate180: transform((i, j) => ((i + j) & 1 ? -1 : 1), false),
  rotate270: transform((i) => (i & 1 ? 1 : -1), true),
  flipX: transform((i) => (i & 1 ? 1 : -1), false),
  flipY: transform((_i, j) => (j & 1 ? 1 : -1), false),
  flipPlus1: transform(() => 1, true),
  flipMinus1: transform((i, j) => ((i + j) & 1 ? -1 : 1), true),
};

// ---------------------------------------------------------------------------
// Bits and serialisation

/**
 * Reference `torben`: exact median of float values (Torben Mogensen's
 * algorithm, N. Devillard's implementation), with float midpoint arithmetic.
 * For an even count it returns the lower median, as the reference does.
 */
function torbenMedian(m: Float32Array): number {
  const n = m.length;
  const half = Math.floor((n + 1) / 2);
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  let less = 0;
  let greater = 0;
  let equal = 0;
  let guess = 0;
  let maxLtGuess = 0;
  let minGtGuess = 0;
  for (;;) {
    guess = fround(fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i];
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= half && greater <= half) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= half) return maxLtGuess;
  if (less + equal >= half) return guess;
  return minGtGuess;
}

/**
 * Reference `pdqBuffer16x16ToBits` + `Hash256::format`: bit k = i*16 + j is set
 * when coefficient (i, j) exceeds the median; bit k lives in 16-bit word k/16 at
 * bit k%16 (so word i holds DCT row i), and the hex text is the words from 15
 * down to 0, four lowercase hex digits each.
 */
function dctToHash(dct: Float32Array): string {
  const median = torbenMedian(dct);
  let hex = "";
  for (let word = 15; word >= 0; word--) {
    let w = 0;
    for (let bit = 0; bit < 16; bit++) {
      if (dct[word * 16 + bit] > median) w |= 1 << bit;
    }
    hex += w.toString(16).padStart(4, "0");
  }
  return hex;
}

// ---------------------------------------------------------------------------

function tooSmall(width: number, height: number): boolean {
  return width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM;
}

function zeroDihedral(): PdqDihedralResult {
  const hashes = {} as Record<DihedralName, string>;
  for (const name of DIHEDRAL_NAMES) hashes[name] = ZERO_HASH;
  return { hashes, quality: 0 };
}

function checkDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid image dimensions ${width}x${height}`);
  }
}
