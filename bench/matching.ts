/**
 * PDQ matching benchmark (issue 7, "Scale — bench/matching").
 *
 *   npm run bench:matching -- --size 10M [--queries 1000] [--seed 7] [--linear-sample N]
 *
 * 1. Generates N synthetic sightings (bench/matching-data.ts: 90% random, 10%
 *    near-duplicates of seeds with 1–31 bits flipped), turns each chunk into
 *    64-hex-digit strings (untimed) and feeds them to the start-up builder:
 *    `parse_s` is the time spent in `builder.add(id, hex)` (validation + hex
 *    parsing), `index_s` the time of `builder.build()` (sort by id + buckets),
 *    `build_s` their sum.
 * 2. `rss_mb`: resident memory after the build, after a forced GC when run with
 *    --expose-gc (the npm script does), with only the index and the queries alive;
 *    `peak_rss_mb`: the highest resident memory so far (the build copies the
 *    parsed hashes into the index, so it briefly holds both); `index_mb`: the
 *    index's own arrays. `build_cpu_s`: CPU time of parse + index.
 * 3. Runs `--queries` searches at distance 31 (after 100 warm-up searches):
 *    half are stored hashes with 0–31 bits flipped (so they match), half random.
 *    `p50_ms` / `p99_ms`: wall-clock latency of `index.search(hex, 31)` (hex
 *    parse and result sorting included); `cpu_p50_ms` / `cpu_p99_ms`: the CPU
 *    time of the same calls (process.cpuUsage), which is what a shared machine's
 *    load does not inflate; `load_avg`: the 1-minute load average then.
 * 4. Regenerates the same data set into a flat array and runs a brute-force
 *    linear scan (popcount over every row) for the queries — all of them below
 *    1M rows, every k-th one (`--linear-sample`, default 100) from 1M up — and
 *    compares: `recall` = found true matches / all true matches (must be 1.0),
 *    `exact` = identical result lists (ids and distances, no false positives).
 *    `linear_p50_ms` is that scan's median, `ratio` = linear_p50 / p50.
 *
 * Prints one JSON line on stdout (and appends it, dated, to the gitignored
 * bench/out/matching.jsonl); progress goes to stderr.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";

import {
  PDQ_WORDS,
  PdqIndex,
  type PdqMatch,
  popcount32,
  wordsToHex,
} from "../app/matching/pdq-index";
import { Random, flipBits, generateDataset, randomHash } from "./matching-data";

const RADIUS = 31;

function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`not a count: ${text}`);
  const scale = { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * scale);
}

function log(message: string): void {
  process.stderr.write(`[bench:matching] ${message}\n`);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

/** The reference: every row within the radius, by scanning all of them. */
function linearScan(ids: Uint32Array, words: Uint32Array, q: Uint32Array, radius: number): PdqMatch[] {
  const out: PdqMatch[] = [];
  const q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5], q6 = q[6], q7 = q[7];
  const n = ids.length;
  for (let r = 0, o = 0; r < n; r++, o += PDQ_WORDS) {
    const d =
      popcount32(words[o] ^ q0) + popcount32(words[o + 1] ^ q1) +
      popcount32(words[o + 2] ^ q2) + popcount32(words[o + 3] ^ q3) +
      popcount32(words[o + 4] ^ q4) + popcount32(words[o + 5] ^ q5) +
      popcount32(words[o + 6] ^ q6) + popcount32(words[o + 7] ^ q7);
    if (d <= radius) out.push({ id: ids[r], distance: d });
  }
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "100k" },
      queries: { type: "string", default: "1000" },
      seed: { type: "string", default: "7" },
      "linear-sample": { type: "string" },
    },
  });
  const size = parseCount(values.size!);
  const queryCount = parseCount(values.queries!);
  const seed = Number(values.seed);
  if (!(size >= 1) || !(queryCount >= 2)) throw new Error("--size ≥ 1 and --queries ≥ 2");
  const linearEvery = values["linear-sample"]
    ? Math.max(1, Math.round(queryCount / parseCount(values["linear-sample"])))
    : size >= 1_000_000
      ? Math.max(1, Math.round(queryCount / 100))
      : 1;
  const dataset = { size, seed };

  gc();
  const rssBefore = process.memoryUsage().rss;

  // Queries: half are flipped variants of stored rows (picked now, captured
  // while the data streams by), half random.
  const rng = new Random(seed ^ 0x5bd1e995);
  const matchedCount = Math.floor(queryCount / 2);
  const sourceRows = Array.from({ length: matchedCount }, () => rng.below(size)).sort((a, b) => a - b);
  const queries = new Uint32Array(queryCount * PDQ_WORDS);

  // 1. Build, as start-up does: from hex strings.
  log(`size ${size}: generating and building…`);
  const builder = PdqIndex.builder(size);
  let parseNs = 0n;
  let buildCpuUs = 0;
  let nextSource = 0;
  for (const chunk of generateDataset(dataset)) {
    const hexes = new Array<string>(chunk.count);
    for (let i = 0; i < chunk.count; i++) hexes[i] = wordsToHex(chunk.words, i * PDQ_WORDS);
    while (nextSource < matchedCount && sourceRows[nextSource] < chunk.start + chunk.count) {
      const o = (sourceRows[nextSource] - chunk.start) * PDQ_WORDS;
      queries.set(chunk.words.subarray(o, o + PDQ_WORDS), nextSource * PDQ_WORDS);
      nextSource++;
    }
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < chunk.count; i++) builder.add(chunk.ids[i], hexes[i]);
    parseNs += process.hrtime.bigint() - t0;
    const used = process.cpuUsage(c0);
    buildCpuUs += used.user + used.system;
  }
  const c1 = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  const index = builder.build();
  const indexNs = process.hrtime.bigint() - t1;
  const usedByIndex = process.cpuUsage(c1);
  buildCpuUs += usedByIndex.user + usedByIndex.system;
  const parse_s = Number(parseNs) / 1e9;
  const index_s = Number(indexNs) / 1e9;
  log(`parsed in ${parse_s.toFixed(2)} s, indexed in ${index_s.toFixed(2)} s`);

  for (let i = 0; i < matchedCount; i++) flipBits(rng, queries, i * PDQ_WORDS, rng.below(RADIUS + 1));
  for (let i = matchedCount; i < queryCount; i++) randomHash(rng, queries, i * PDQ_WORDS);
  // Interleave matched and random queries (Fisher–Yates on query order).
  const order = Array.from({ length: queryCount }, (_, i) => i);
  for (let i = queryCount - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const queryHex = order.map((i) => wordsToHex(queries, i * PDQ_WORDS));

  // 2. Memory.
  gc();
  const rss = process.memoryUsage().rss;
  const peakRss = process.resourceUsage().maxRSS * 1024; // the build's transient copies included
  const stats = index.stats();
  log(`rss ${mb(rss)} MB (${mb(rssBefore)} MB before the build; index arrays ${mb(stats.bytes)} MB)`);

  // 3. Queries.
  const warm = new Random(seed + 1);
  const warmQuery = new Uint32Array(PDQ_WORDS);
  for (let i = 0; i < 100; i++) {
    randomHash(warm, warmQuery);
    index.search(wordsToHex(warmQuery), RADIUS);
  }
  const latencies: number[] = [];
  const cpuTimes: number[] = [];
  const results: PdqMatch[][] = [];
  const loadDuringQueries = loadavg()[0];
  for (const hex of queryHex) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    const found = index.search(hex, RADIUS);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    const used = process.cpuUsage(c);
    cpuTimes.push((used.user + used.system) / 1e3);
    results.push(found);
  }
  const sortedLatencies = [...latencies].sort((a, b) => a - b);
  const p50 = quantile(sortedLatencies, 0.5);
  const p99 = quantile(sortedLatencies, 0.99);
  const sortedCpu = [...cpuTimes].sort((a, b) => a - b);
  const totalMatches = results.reduce((n, r) => n + r.length, 0);
  log(`search p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, ${totalMatches} matches in ${queryCount} queries`);

  // 4. Brute force over the same data, regenerated.
  log(`regenerating for the linear scan (every ${linearEvery === 1 ? "" : `${linearEvery}th `}query)…`);
  const flatIds = new Uint32Array(size);
  const flatWords = new Uint32Array(size * PDQ_WORDS);
  for (const chunk of generateDataset(dataset)) {
    flatIds.set(chunk.ids, chunk.start);
    flatWords.set(chunk.words, chunk.start * PDQ_WORDS);
  }
  const q = new Uint32Array(PDQ_WORDS);
  const linearLatencies: number[] = [];
  let truth = 0;
  let found = 0;
  let exact = true;
  let checked = 0;
  for (let k = 0; k < queryCount; k += linearEvery) {
    q.set(queries.subarray(order[k] * PDQ_WORDS, order[k] * PDQ_WORDS + PDQ_WORDS));
    const t = process.hrtime.bigint();
    const expected = linearScan(flatIds, flatWords, q, RADIUS);
    linearLatencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    checked++;
    const got = new Map(results[k].map((m) => [m.id, m.distance]));
    truth += expected.length;
    for (const m of expected) if (got.get(m.id) === m.distance) found++;
    if (
      expected.length !== results[k].length ||
      expected.some((m, i) => m.id !== results[k][i].id || m.distance !== results[k][i].distance)
    )
      exact = false;
  }
  const linearP50 = quantile([...linearLatencies].sort((a, b) => a - b), 0.5);
  const recall = truth === 0 ? 1 : found / truth;

  // Extra: cost of an insert after the build (goes to the dynamic part).
  const addCount = 10_000;
  const addRng = new Random(seed + 2);
  const addHex = Array.from({ length: addCount }, () => {
    randomHash(addRng, warmQuery);
    return wordsToHex(warmQuery);
  });
  const tAdd = process.hrtime.bigint();
  for (let i = 0; i < addCount; i++) index.add(size + 1 + i, addHex[i]);
  const addUs = Number(process.hrtime.bigint() - tAdd) / 1e3 / addCount;

  const line = {
    size,
    build_s: round(parse_s + index_s, 2),
    rss_mb: mb(rss),
    p50_ms: round(p50),
    p99_ms: round(p99),
    recall,
    linear_p50_ms: round(linearP50, 2),
    ratio: round(linearP50 / p50, 0),
    parse_s: round(parse_s, 2),
    index_s: round(index_s, 2),
    build_cpu_s: round(buildCpuUs / 1e6, 2),
    index_mb: mb(stats.bytes),
    peak_rss_mb: mb(peakRss),
    rss_before_build_mb: mb(rssBefore),
    queries: queryCount,
    matches: totalMatches,
    linear_queries: checked,
    linear_truth_matches: truth,
    exact,
    add_us: round(addUs, 1),
    cpu_p50_ms: round(quantile(sortedCpu, 0.5)),
    cpu_p99_ms: round(quantile(sortedCpu, 0.99)),
    wasm: stats.wasm,
    load_avg: round(loadDuringQueries, 1),
    cpus: cpus().length,
    node: process.version,
    gc: typeof (globalThis as { gc?: unknown }).gc === "function",
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  // Also kept, one line per run, in bench/out/ (gitignored).
  const out = new URL("./out/", import.meta.url);
  mkdirSync(out, { recursive: true });
  appendFileSync(new URL("matching.jsonl", out), `${JSON.stringify({ date: new Date().toISOString(), ...line })}\n`);
  if (recall !== 1 || !exact) process.exitCode = 1;
}

main();
