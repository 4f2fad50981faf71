import { issueToken } from '../auth/tokens.ts';
import type { Database } from '../db/database.ts';
import type { MinistryRole } from '../db/schema/index.ts';

/** A platform operator's API token, as the bootstrap token is. */
export async function operatorToken(db: Database): Promise<string> {
  const { secret } = await issueToken(db, {
    kind: 'api',
    label: 'test operator',
    role: 'operator',
    createdBy: 'test',
    expiresInDays: 60,
  });
  return secret;
}

/** An API token fixed to one ministry and role, as an admin would create for CI. */
export async function roleToken(
  db: Database,
  ministryId: string,
  role: MinistryRole,
): Promise<string> {
  const { secret } = await issueToken(db, {
    kind: 'api',
    label: `test ${role}`,
    role,
    ministryId,
    createdBy: 'test',
    expiresInDays: 60,
  });
  return secret;
}
