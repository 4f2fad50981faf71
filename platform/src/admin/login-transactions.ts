import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { loginTransactions } from '../db/schema/index.ts';
import type { LoginStart } from '../identity/staff-identity.ts';

const LOGIN_TTL_MS = 10 * 60_000;
const hash = (id: string) => createHash('sha256').update(id).digest('hex');

/** Stores state, nonce and PKCE verifier server-side; the browser only gets a random handle. */
export async function saveLoginTransaction(db: Database, login: LoginStart): Promise<string> {
  const handle = randomBytes(32).toString('base64url');
  await db.insert(loginTransactions).values({
    idHash: hash(handle),
    state: login.state,
    nonce: login.nonce,
    codeVerifier: login.codeVerifier,
    expiresAt: new Date(Date.now() + LOGIN_TTL_MS),
  });
  return handle;
}

/**
 * Takes the transaction for a callback, once: a replayed callback, an
 * expired one or an unknown handle finds nothing.
 */
export async function consumeLoginTransaction(db: Database, handle: string | undefined) {
  if (!handle) return undefined;
  const [row] = await db
    .update(loginTransactions)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(loginTransactions.idHash, hash(handle)),
        isNull(loginTransactions.usedAt),
        gt(loginTransactions.expiresAt, new Date()),
      ),
    )
    .returning();
  return row;
}
