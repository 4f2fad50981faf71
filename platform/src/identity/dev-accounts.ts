import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { members, memberships } from '../db/schema/index.ts';
import { ministryByName } from '../routes/lookup.ts';
import { memberForClaims } from './members.ts';
import { testAccounts } from './test-accounts.ts';

/**
 * Gives the development provider's test accounts their documented roles:
 * the operator everywhere, the developer and auditor in the demo ministry
 * when it exists. Only ever called with the development provider.
 */
export async function seedTestAccounts(
  db: Database,
  issuer: string,
  demoMinistry = 'demo',
): Promise<void> {
  const demo = await ministryByName(db, demoMinistry);
  for (const account of testAccounts) {
    const member = await memberForClaims(db, {
      issuer,
      subject: account.id,
      email: account.email,
      name: account.name,
    });
    if (account.operator)
      await db.update(members).set({ isOperator: true }).where(eq(members.id, member.id));
    if (demo && account.demoRole) {
      await db
        .insert(memberships)
        .values({ memberId: member.id, ministryId: demo.id, role: account.demoRole })
        .onConflictDoNothing();
    }
  }
}
