import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Kysely } from "kysely";
import type { Adapter, DatabaseSession, DatabaseUser } from "lucia";

/**
 * Lucia v3 has no Kysely adapter; this is one, over any pair of tables shaped
 * like `case_session` + `case` (and, later, `staff_session` + `staff_user`):
 *
 *   session table: id (text, primary key), <userIdColumn> (text), expires_at (ISO-8601 text)
 *   user table:    id (text, primary key), plus the userColumns handed back as attributes
 *
 * The session table stores the SHA-256 (hex) of the session id, never the id
 * itself, so a copy of the database yields no usable session. Lucia always
 * passes the raw id in, and getSessionAndUser hands that raw id back. The one
 * exception is getUserSessions: the raw ids are not kept anywhere, so the
 * sessions it lists carry their stored hashes as ids. Those are good for
 * counting and listing, not for invalidating (invalidate by user instead).
 */
export interface KyselyAdapterConfig<DB, ST extends keyof DB & string, UT extends keyof DB & string> {
  sessionTable: ST;
  userTable: UT;
  /** The session table's column that holds the user's id (e.g. `case_id`). */
  userIdColumn: keyof DB[ST] & string;
  /** Columns of the user table returned as the user's attributes. */
  userColumns?: readonly (keyof DB[UT] & string)[];
  /** Columns of the session table stored from and returned as the session's attributes. */
  sessionColumns?: readonly (keyof DB[ST] & string)[];
  /** The clock deleteExpiredSessions compares against. */
  now: () => Date;
}

/** The stored form of a session id: what a database leak would reveal. */
export function hashSessionId(sessionId: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(sessionId)));
}

export function createKyselyAdapter<DB, ST extends keyof DB & string, UT extends keyof DB & string>(
  database: Kysely<DB>,
  config: KyselyAdapterConfig<DB, ST, UT>,
): Adapter {
  // The table and column names come from the typed config above; inside, the
  // queries are built over a loosely typed handle because the names are generic.
  const db = database as unknown as Kysely<any>;
  const sessionTable: string = config.sessionTable;
  const userTable: string = config.userTable;
  const userIdColumn: string = config.userIdColumn;
  const userColumns: string[] = [...(config.userColumns ?? [])];
  const sessionColumns: string[] = [...(config.sessionColumns ?? [])];
  const { now } = config;

  const toDatabaseSession = (id: string, userId: string, expiresAt: string, row: Record<string, unknown> = {}): DatabaseSession => ({
    id,
    userId,
    expiresAt: new Date(expiresAt),
    attributes: Object.fromEntries(sessionColumns.map((column) => [column, row[`sattr_${column}`]])),
  });

  return {
    async getSessionAndUser(sessionId): Promise<[DatabaseSession | null, DatabaseUser | null]> {
      const row = await db
        .selectFrom(`${sessionTable} as s`)
        .leftJoin(`${userTable} as u`, "u.id", `s.${userIdColumn}`)
        .select([`s.${userIdColumn} as session_user_id`, "s.expires_at as session_expires_at", "u.id as found_user_id"])
        // Attributes get a prefix of their own so no user column can collide with the fields above.
        .select(userColumns.map((column) => `u.${column} as attr_${column}`))
        .select(sessionColumns.map((column) => `s.${column} as sattr_${column}`))
        .where("s.id", "=", hashSessionId(sessionId))
        .executeTakeFirst();
      if (!row) return [null, null];
      const session = toDatabaseSession(sessionId, row.session_user_id, row.session_expires_at, row);
      if (row.found_user_id === null) return [session, null];
      const attributes = Object.fromEntries(userColumns.map((column) => [column, row[`attr_${column}`]]));
      return [session, { id: row.found_user_id, attributes }];
    },

    async getUserSessions(userId): Promise<DatabaseSession[]> {
      const rows = await db
        .selectFrom(sessionTable)
        .select(["id", `${userIdColumn} as user_id`, "expires_at"])
        .select(sessionColumns.map((column) => `${column} as sattr_${column}`))
        .where(userIdColumn, "=", userId)
        .orderBy("expires_at")
        .execute();
      return rows.map((row) => toDatabaseSession(row.id, row.user_id, row.expires_at, row));
    },

    async setSession(session): Promise<void> {
      await db
        .insertInto(sessionTable)
        .values({
          id: hashSessionId(session.id),
          [userIdColumn]: session.userId,
          expires_at: session.expiresAt.toISOString(),
          ...Object.fromEntries(sessionColumns.map((column) => [column, (session.attributes as Record<string, unknown>)[column]])),
        })
        .execute();
    },

    async updateSessionExpiration(sessionId, expiresAt): Promise<void> {
      await db
        .updateTable(sessionTable)
        .set({ expires_at: expiresAt.toISOString() })
        .where("id", "=", hashSessionId(sessionId))
        .execute();
    },

    async deleteSession(sessionId): Promise<void> {
      await db.deleteFrom(sessionTable).where("id", "=", hashSessionId(sessionId)).execute();
    },

    async deleteUserSessions(userId): Promise<void> {
      await db.deleteFrom(sessionTable).where(userIdColumn, "=", userId).execute();
    },

    async deleteExpiredSessions(): Promise<void> {
      // Lucia treats a session as expired once expires_at is not after now; ISO text orders as time.
      await db.deleteFrom(sessionTable).where("expires_at", "<=", now().toISOString()).execute();
    },
  };
}
