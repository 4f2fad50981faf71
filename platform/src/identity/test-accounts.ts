/**
 * The development identity provider's accounts, documented in the README.
 * Any password is accepted: this provider only ever runs on a developer's
 * machine, never in production.
 */
export const testAccounts = [
  {
    id: 'operateur',
    name: 'Awa Traoré',
    email: 'operateur@gov.ml',
    operator: true,
    demoRole: undefined,
  },
  {
    id: 'developpeur',
    name: 'Moussa Keïta',
    email: 'developpeur@demo.gov.ml',
    operator: false,
    demoRole: 'developer',
  },
  {
    id: 'auditeur',
    name: 'Fatoumata Diarra',
    email: 'auditeur@demo.gov.ml',
    operator: false,
    demoRole: 'auditor',
  },
] as const;

export type TestAccount = (typeof testAccounts)[number];
