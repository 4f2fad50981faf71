import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import {
  type ApiTokenRow,
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
}

/** A member's roles are read at each request, so a revoked role stops working at once. */
export async function principalForMember(
  db: Database,
  member: MemberRow,
  tokenId: string | null,
): Promise<Principal> {
  const rows = await db.select().from(memberships).where(eq(memberships.memberId, member.id));
  return {
    actorType: 'member',
    actorId: member.id,
    memberId: member.id,
    tokenId,
    operator: member.isOperator,
    roles: new Map(rows.map((r) => [r.ministryId, r.role])),
  };
}

export async function principalForToken(
  db: Database,
  token: ApiTokenRow,
): Promise<Principal | undefined> {
  if (token.kind === 'login') {
    if (!token.memberId) return undefined;
    const [member] = await db.select().from(members).where(eq(members.id, token.memberId)).limit(1);
    return member ? principalForMember(db, member, token.id) : undefined;
  }
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
  };
}

const rank: Record<MinistryRole, number> = { auditor: 1, developer: 2, admin: 3 };

export function roleAtLeast(role: MinistryRole | undefined, minimum: MinistryRole): boolean {
  return role !== undefined && rank[role] >= rank[minimum];
}
