import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { members, sessions } from '../db/schema/index.ts';

export const SESSION_COOKIE = 'gov_session';
export const LOGIN_COOKIE = 'gov_login';
const SESSION_TTL_MS = 8 * 60 * 60_000;
const hash = (id: string) => createHash('sha256').update(id).digest('hex');

export async function createSession(db: Database, memberId: string) {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(sessions).values({ idHash: hash(id), memberId, csrfToken, expiresAt });
  return { id, expiresAt };
}

/** The live session and its member for a cookie value, if any. */
export async function findSession(db: Database, id: string | undefined) {
  if (!id || id.length > 100) return undefined;
  const [row] = await db
    .select({ session: sessions, member: members })
    .from(sessions)
    .innerJoin(members, eq(sessions.memberId, members.id))
    .where(
      and(
        eq(sessions.idHash, hash(id)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return row;
}

export async function revokeSession(db: Database, id: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(eq(sessions.idHash, hash(id)));
}
