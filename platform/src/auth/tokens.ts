import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type ApiTokenRow, apiTokens } from '../db/schema/index.ts';
import { newId } from '../ids.ts';

/** Secrets carry a recognisable prefix so leaked ones are easy to find and scan for. */
const TOKEN_PREFIX = 'gov_';
const TOKEN_SHAPE = /^gov_[A-Za-z0-9_-]{43}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface IssuedToken {
  id: string;
  /** Shown once; only its hash is stored. */
  secret: string;
  expiresAt: Date;
}

export type TokenInput = Pick<ApiTokenRow, 'kind' | 'label' | 'createdBy'> &
  Partial<Pick<ApiTokenRow, 'memberId' | 'role' | 'ministryId'>> & {
    expiresInDays: number;
    /** A token never outlives the credential that created it. */
    notAfter?: Date | null;
  };

export async function issueToken(db: Database, input: TokenInput): Promise<IssuedToken> {
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = newId('token');
  const asked = Date.now() + input.expiresInDays * DAY_MS;
  const expiresAt = new Date(input.notAfter ? Math.min(asked, input.notAfter.getTime()) : asked);
  await db.insert(apiTokens).values({
    id,
    tokenHash: hashToken(secret),
    kind: input.kind,
    label: input.label,
    memberId: input.memberId ?? null,
    role: input.role ?? null,
    ministryId: input.ministryId ?? null,
    createdBy: input.createdBy,
    expiresAt,
  });
  return { id, secret, expiresAt };
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
        gt(apiTokens.expiresAt, new Date()),
      ),
    )
    .limit(1);
  return row;
}
