import { roleAtLeast } from '@gov/contract';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import {
  type ApiTokenRow,
  apiTokens,
  type MemberRow,
  type MinistryRole,
  members,
  memberships,
} from '../db/schema/index.ts';

/** Who is calling, with the roles they hold right now. */
export interface Principal {
  actorType: 'member' | 'token';
  /** The member for member-bound credentials, else the token. */
  actorId: string;
  memberId: string | null;
  tokenId: string | null;
  operator: boolean;
  /** ministry id → role */
  roles: Map<string, MinistryRole>;
  /** When the credential presented stops working: a token it creates may not outlive it. */
  expiresAt: Date | null;
}

/** A member's roles are read at each request, so a revoked role stops working at once. */
export async function principalForMember(
  db: Database,
  member: MemberRow,
  tokenId: string | null,
  expiresAt: Date | null = null,
): Promise<Principal> {
  const rows = await db.select().from(memberships).where(eq(memberships.memberId, member.id));
  return {
    actorType: 'member',
    actorId: member.id,
    memberId: member.id,
    tokenId,
    operator: member.isOperator,
    roles: new Map(rows.map((r) => [r.ministryId, r.role])),
    expiresAt,
  };
}

/** How far back a chain of tokens minted by tokens is followed; deeper is refused. */
const MAX_DELEGATION_DEPTH = 5;

/**
 * Whether whoever created an API token still holds what the token grants:
 * checked at every request, so removing a member's role (or revoking the
 * token that minted it) ends every token they handed out, at once.
 */
async function creatorStillHolds(db: Database, token: ApiTokenRow, depth = 0): Promise<boolean> {
  if (token.kind === 'bootstrap') return true;
  const creator = token.createdBy;
  // Issued by the platform itself (bootstrap, seeded test accounts).
  if (!creator.startsWith('mem_') && !creator.startsWith('tok_')) return true;
  if (depth >= MAX_DELEGATION_DEPTH) return false;
  let holder: Principal | undefined;
  if (creator.startsWith('mem_')) {
    const [member] = await db.select().from(members).where(eq(members.id, creator)).limit(1);
    holder = member ? await principalForMember(db, member, null) : undefined;
  } else {
    const [parent] = await db
      .select()
      .from(apiTokens)
      .where(
        and(
          eq(apiTokens.id, creator),
          isNull(apiTokens.revokedAt),
          gt(apiTokens.expiresAt, new Date()),
        ),
      )
      .limit(1);
    holder = parent ? await principalForTokenAt(db, parent, depth + 1) : undefined;
  }
  if (!holder) return false;
  if (holder.operator) return true;
  if (token.role === 'operator' || !token.ministryId || !token.role) return false;
  return roleAtLeast(holder.roles.get(token.ministryId), token.role);
}

export function principalForToken(
  db: Database,
  token: ApiTokenRow,
): Promise<Principal | undefined> {
  return principalForTokenAt(db, token, 0);
}

async function principalForTokenAt(
  db: Database,
  token: ApiTokenRow,
  depth: number,
): Promise<Principal | undefined> {
  if (token.kind === 'login') {
    if (!token.memberId) return undefined;
    const [member] = await db.select().from(members).where(eq(members.id, token.memberId)).limit(1);
    return member ? principalForMember(db, member, token.id, token.expiresAt) : undefined;
  }
  if (!(await creatorStillHolds(db, token, depth))) return undefined;
  const roles = new Map<string, MinistryRole>();
  if (token.ministryId && token.role && token.role !== 'operator')
    roles.set(token.ministryId, token.role);
  return {
    actorType: 'token',
    actorId: token.id,
    memberId: token.memberId,
    tokenId: token.id,
    operator: token.role === 'operator' && token.ministryId === null,
    roles,
    expiresAt: token.expiresAt,
  };
}

export { roleAtLeast };
