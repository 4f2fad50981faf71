/** Per ministry: auditor (read, audit) < developer (apps, deployments) < admin (members, tokens). */
export const ministryRoles = ['auditor', 'developer', 'admin'] as const;
export type MinistryRole = (typeof ministryRoles)[number];

const rank: Record<MinistryRole, number> = { auditor: 1, developer: 2, admin: 3 };

/** Roles are cumulative: an admin may do what a developer may. */
export function roleAtLeast(role: string | undefined, minimum: MinistryRole): boolean {
  return role !== undefined && role in rank && rank[role as MinistryRole] >= rank[minimum];
}

/** The one wording of "your role is too low", said by the API and, before it builds, by the CLI. */
export function roleTooLow(
  ministry: string,
  role: string | undefined,
  minimum: MinistryRole,
): { message: string; hint: string } {
  return {
    message: `your role in ministry "${ministry}" is ${role ?? 'none'}; this needs ${minimum} or higher`,
    hint: `ask an admin of ministry "${ministry}" for the ${minimum} role`,
  };
}
