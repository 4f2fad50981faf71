import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type ApiTokenRow, apiTokens } from '../db/schema/index.ts';
import { newId } from '../ids.ts';

/** Secrets carry a recognisable prefix so leaked ones are easy to find and scan for. */
const TOKEN_PREFIX = 'gov_';
const TOKEN_SHAPE = /^gov_[A-Za-z0-9_-]{43}$/;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface IssuedToken {
  id: string;
  /** Shown once; only its hash is stored. */
  secret: string;
}

export async function issueToken(
  db: Database,
  input: Pick<ApiTokenRow, 'label' | 'role'> &
    Partial<Pick<ApiTokenRow, 'ministryId' | 'expiresAt'>>,
): Promise<IssuedToken> {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = newId('token');
  await db.insert(apiTokens).values({
    id,
    tokenHash: hashToken(secret),
    label: input.label,
    role: input.role,
    ministryId: input.ministryId ?? null,
    expiresAt: input.expiresAt ?? null,
  });
  return { id, secret };
}

/** The token row for a presented secret, if it is well-formed, known, unrevoked and unexpired. */
export async function findActiveToken(
  db: Database,
  secret: string,
): Promise<ApiTokenRow | undefined> {
  if (!TOKEN_SHAPE.test(secret)) return undefined;
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tokenHash, hashToken(secret)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, new Date())),
      ),
    )
    .limit(1);
  return row;
}
