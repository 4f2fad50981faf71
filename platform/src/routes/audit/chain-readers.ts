import type { Principal } from '../../auth/principal.ts';
import { ApiError } from '../../errors.ts';

/**
 * Who may check the chain's integrity: operators and anyone holding a role
 * in a ministry (auditors first). The answers reveal positions and hashes,
 * never records.
 */
export function requireChainReader(principal: Principal): void {
  if (!principal.operator && principal.roles.size === 0) {
    throw new ApiError(
      'forbidden',
      'only operators and ministry auditors can verify the audit log',
      'ask a ministry admin for the auditor role',
    );
  }
}
