import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type MemberRow, members } from '../db/schema/index.ts';
import { newId } from '../ids.ts';
import type { StaffClaims } from './staff-identity.ts';

/**
 * The member for a signed-in person, created at first sign-in. Identity is
 * the provider's (issuer, subject); the email is refreshed each time but
 * never grants anything by itself (operators and admins grant roles).
 */
export async function memberForClaims(db: Database, claims: StaffClaims): Promise<MemberRow> {
  const [existing] = await db
    .select()
    .from(members)
    .where(and(eq(members.issuer, claims.issuer), eq(members.subject, claims.subject)))
    .limit(1);
  if (existing) {
    const [updated] = await db
      .update(members)
      .set({
        email: claims.email ?? existing.email,
        displayName: claims.name ?? existing.displayName,
        lastLoginAt: new Date(),
      })
      .where(eq(members.id, existing.id))
      .returning();
    return updated ?? existing;
  }
  const [created] = await db
    .insert(members)
    .values({
      id: newId('member'),
      issuer: claims.issuer,
      subject: claims.subject,
      email: claims.email ?? null,
      displayName: claims.name ?? null,
      lastLoginAt: new Date(),
    })
    .onConflictDoNothing()
    .returning();
  return created ?? (await memberForClaims(db, claims));
}
