import {
  CompiledQuery,
  RawNode,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from "kysely";
import sqlite3 from "sqlite3";

/**
 * A Kysely dialect for the `sqlite3` package (asynchronous, callback-based).
 * Kysely's own SqliteDialect expects better-sqlite3's synchronous API, so this
 * one reuses Kysely's SQLite compiler, adapter and introspector and supplies
 * a driver: one connection behind a mutex, as Kysely's own SQLite driver does.
 */
export interface Sqlite3DialectConfig {
  /** Path of the database file, or ":memory:". */
  filename: string;
  /** Runs once the connection is open (PRAGMAs, for instance). */
  onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
}

export class Sqlite3Dialect implements Dialect {
  constructor(private readonly config: Sqlite3DialectConfig) {}

  createDriver(): Driver {
    return new Sqlite3Driver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class Sqlite3Driver implements Driver {
  readonly #mutex = new ConnectionMutex();
  #db?: sqlite3.Database;
  #connection?: Sqlite3Connection;

  constructor(private readonly config: Sqlite3DialectConfig) {}

  async init(): Promise<void> {
    this.#db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(this.config.filename, (error) =>
        error ? reject(error) : resolve(db),
      );
    });
    this.#connection = new Sqlite3Connection(this.#db);
    await this.config.onCreateConnection?.(this.#connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection for the whole process: wait until it is free.
    await this.#mutex.lock();
    return this.#connection!;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE takes the write lock up front, so two processes sharing the
    // file cannot both read and then fail on upgrading to a write.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    if (db) await new Promise<void>((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())));
  }
}

/** Statements that hand back rows go through `all`; the rest through `run`, which reports changes and the last row id. */
function returnsRows(compiled: CompiledQuery): boolean {
  const { query, sql } = compiled;
  if (SelectQueryNode.is(query)) return true;
  if ("returning" in query && query.returning) return true;
  if (RawNode.is(query)) return /^\s*(select|with|pragma|values|explain)\b/i.test(sql) || /\breturning\b/i.test(sql);
  return false;
}

/** sqlite3 would store a Date as a number and a boolean as 1/0 anyway; say so explicitly so both databases agree. */
function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return value.toString();
  return value;
}

class Sqlite3Connection implements DatabaseConnection {
  constructor(private readonly db: sqlite3.Database) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters.map(toSqliteValue);
    return new Promise((resolve, reject) => {
      if (returnsRows(compiled)) {
        this.db.all(compiled.sql, parameters, (error, rows) =>
          error ? reject(error) : resolve({ rows: rows as R[] }),
        );
      } else {
        this.db.run(compiled.sql, parameters, function (this: sqlite3.RunResult, error) {
          if (error) return reject(error);
          resolve({
            numAffectedRows: BigInt(this.changes ?? 0),
            insertId: this.lastID ? BigInt(this.lastID) : undefined,
            rows: [],
          });
        });
      }
    });
  }

  /**
   * sqlite3 has no pull-based cursor, so a stream is read in pages of
   * `chunkSize` rows with LIMIT/OFFSET over the compiled select.
   */
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error("sqlite3 dialect streams select queries only");
    for (let offset = 0; ; offset += chunkSize) {
      const page = await this.executeQuery<R>(
        CompiledQuery.raw(`select * from (${compiled.sql}) limit ${chunkSize} offset ${offset}`, [
          ...compiled.parameters,
        ]),
      );
      if (page.rows.length > 0) yield page;
      if (page.rows.length < chunkSize) return;
    }
  }
}

class ConnectionMutex {
  #promise?: Promise<void>;
  #resolve?: () => void;

  async lock(): Promise<void> {
    while (this.#promise) await this.#promise;
    this.#promise = new Promise((resolve) => (this.#resolve = resolve));
  }

  unlock(): void {
    const resolve = this.#resolve;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
