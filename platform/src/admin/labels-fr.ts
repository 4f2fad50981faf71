/**
 * The admin panel's words in French: one catalogue, so that a translation
 * is a second file of the same shape. Codes the catalogue does not know are
 * shown as they are, never hidden.
 */
export const actionsFr: Record<string, string> = {
  'app.create': 'Création d’une application',
  'app.delete': 'Suppression d’une application',
  'cron.run': 'Exécution d’une tâche planifiée',
  'd1.execute': 'Requête SQL sur une base D1',
  'deployment.create': 'Déploiement d’une version',
  'deployment.rollback': 'Retour à une version',
  'member.grant': 'Attribution d’un rôle',
  'member.revoke': 'Retrait d’un rôle',
  'ministry.create': 'Création d’un ministère',
  'quota.update': 'Modification d’un quota',
  'secret.delete': 'Suppression d’un secret',
  'secret.put': 'Enregistrement d’un secret',
  'session.admin_login': 'Connexion à l’administration',
  'session.admin_logout': 'Déconnexion de l’administration',
  'session.cli_login': 'Connexion en ligne de commande',
  'token.create': 'Création d’un jeton d’API',
  'token.revoke': 'Révocation d’un jeton d’API',
};

export const outcomesFr: Record<string, string> = {
  success: 'Réussi',
  denied: 'Refusé',
  failure: 'Échec',
};

export const actorTypesFr: Record<string, string> = {
  token: 'jeton',
  member: 'agent',
  system: 'plateforme',
  anonymous: 'anonyme',
};

export const targetTypesFr: Record<string, string> = {
  app: 'application',
  deployment: 'version',
  ministry: 'ministère',
  member: 'agent',
  quota: 'quota',
  secret: 'secret',
  session: 'session',
  token: 'jeton',
};

export const label = (catalogue: Record<string, string>, code: string) => catalogue[code] ?? code;
