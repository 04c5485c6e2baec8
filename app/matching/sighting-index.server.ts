import { MIN_QUALITY } from "~/hashing/pdq";
import type { SelectQueryBuilder } from "kysely";
import type { Db } from "~/db/db.server";
import type { Database } from "~/db/schema";
import { lastSightingSeq } from "~/sightings/sequence.server";
import { PdqIndex, type PdqMatch } from "./pdq-index";

/**
 * Each server's in-memory PDQ index of all sightings (ids: sighting `seq`),
 * built from the database at start-up and kept current by reading the
 * sightings numbered after the last one it holds — after every local insert
 * and by polling, so sightings stored by another instance (or the command
 * line) are found too. Sequence numbers become visible in order (see
 * app/sightings/sequence.server.ts), so "everything up to N" is exact.
 *
 * Hashes of quality below 50 never enter it; a hash without a stated quality
 * does (hotline lists often carry none).
 */
const BATCH = 50_000;

export class SightingIndex {
  private index = new PdqIndex();
  private upTo = 0;
  private built: Promise<void> | null = null;
  /** Catch-ups run one at a time; a caller arriving meanwhile waits for the next one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /** Build once (later calls wait for the same build). */
  ready(): Promise<void> {
    this.built ??= this.build();
    return this.built;
  }

  /** The last sequence number the index has seen. */
  get position(): number {
    return this.upTo;
  }

  get size(): number {
    return this.index.size;
  }

  private async build(): Promise<void> {
    const target = await lastSightingSeq(this.db);
    // Sized once: growing a builder of millions of rows would copy it over and over.
    const { n } = await this.usable(this.db.selectFrom("sighting").select((eb) => eb.fn.countAll<number>().as("n")).where("seq", "<=", target)).executeTakeFirstOrThrow();
    const builder = PdqIndex.builder(Math.max(1024, Number(n)));
    let after = 0;
    for (;;) {
      const rows = await this.rowsAfter(after, target);
      for (const row of rows) builder.add(Number(row.seq), row.pdq!);
      if (rows.length < BATCH) break;
      after = Number(rows[rows.length - 1].seq);
    }
    this.index = builder.build();
    this.upTo = target;
  }

  /** Add every sighting committed since the last catch-up; returns how many hashes were added. */
  catchUp(): Promise<number> {
    const run = this.queue.then(async () => {
      await this.ready();
      const target = await lastSightingSeq(this.db);
      let added = 0;
      let after = this.upTo;
      while (after < target) {
        const rows = await this.rowsAfter(after, target);
        for (const row of rows) this.index.add(Number(row.seq), row.pdq!);
        added += rows.length;
        if (rows.length < BATCH) break;
        after = Number(rows[rows.length - 1].seq);
      }
      this.upTo = Math.max(this.upTo, target);
      return added;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sighting seqs within `maxDistance` of the hash, closest first. Call catchUp first for an up-to-date answer. */
  search(hash: string, maxDistance: number): PdqMatch[] {
    return this.index.search(hash, maxDistance);
  }

  private rowsAfter(after: number, upTo: number) {
    return this.usable(this.db.selectFrom("sighting").select(["seq", "pdq"]).where("seq", ">", after).where("seq", "<=", upTo))
      .orderBy("seq")
      .limit(BATCH)
      .execute();
  }

  /** Sightings whose PDQ hash is matched: present, and of quality 50 or more (or none stated). */
  private usable<Q extends SelectQueryBuilder<Database, "sighting", any>>(query: Q): Q {
    return query.where("pdq", "is not", null).where((eb) => eb.or([eb("pdq_quality", "is", null), eb("pdq_quality", ">=", MIN_QUALITY)])) as Q;
  }
}

const indexes = new WeakMap<Db, SightingIndex>();

/** The index of this database's sightings in this process (made and built on first use). */
export function sightingIndexFor(db: Db): SightingIndex {
  let index = indexes.get(db);
  if (!index) {
    index = new SightingIndex(db);
    indexes.set(db, index);
  }
  return index;
}
