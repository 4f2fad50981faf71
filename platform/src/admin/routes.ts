import type { Context, Hono, Next } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { appendAudit } from '../audit/append.ts';
import { auditVerifierFor } from '../audit/verifier.ts';
import { principalForMember } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import type { ApiEnv } from '../http/env.ts';
import { memberForClaims } from '../identity/members.ts';
import { describeOidcError } from '../identity/staff-identity.ts';
import { isUniqueViolation, ministryByName } from '../routes/lookup.ts';
import { insertMinistry } from '../routes/ministries/create.ts';
import { AUDIT_EXPORT_ROWS, auditCsv, verificationBody } from './audit-export.ts';
import { auditBody, auditPage, readAuditFilters } from './audit-page.ts';
import { dashboardBody } from './dashboard.ts';
import { consumeLoginTransaction, saveLoginTransaction } from './login-transactions.ts';
import { ministryFormBody, readMinistryForm } from './ministry-form.ts';
import { adminLayout, errorPage, signInPage } from './pages.ts';
import {
  createSession,
  findSession,
  LOGIN_COOKIE,
  revokeSession,
  SESSION_COOKIE,
} from './sessions.ts';

/**
 * No script, no other origin. Forms post to the panel itself, and the
 * sign-out form's redirect goes on to the identity provider's sign-out
 * (browsers hold form-action to redirects too).
 */
function securityHeaders(issuer: string | undefined): Record<string, string> {
  const provider = issuer ? ` ${new URL(issuer).origin}` : '';
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${provider}; base-uri 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** Cookies are Secure except on this machine (http://127.0.0.1 has no TLS). */
function secureCookies(redirectUri: string): boolean {
  return !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(redirectUri).hostname);
}

/**
 * The admin panel: sign-in with authorization code + PKCE, server-side
 * sessions, and pages for operators and ministry staff.
 */
export function registerAdmin(app: Hono<ApiEnv>): void {
  const secure = async (c: Context<ApiEnv>, next: Next) => {
    await next();
    const headers = securityHeaders(c.get('identity')?.settings.issuer);
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
  };
  app.use('/admin/*', secure);
  app.use('/admin', secure);

  app.get('/admin/login', async (c) => {
    const identity = c.get('identity');
    if (!identity)
      return c.html(
        errorPage(
          'Connexion indisponible',
          "La connexion des agents n'est pas configurée (GOV_OIDC_ISSUER).",
        ),
        503,
      );
    const attempt = c.get('loginAttempts').hit(clientIp(c));
    if (!attempt.allowed) {
      c.header('retry-after', String(attempt.retryAfterSeconds));
      return c.html(
        errorPage(
          'Trop de tentatives',
          `Trop de tentatives de connexion. Réessayez dans ${attempt.retryAfterSeconds} secondes.`,
        ),
        429,
      );
    }
    const login = await identity.startLogin();
    const handle = await saveLoginTransaction(c.get('db'), login);
    setCookie(c, LOGIN_COOKIE, handle, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: secureCookies(identity.settings.adminRedirectUri),
      path: '/admin/callback',
      maxAge: 600,
    });
    return c.redirect(login.url.toString(), 302);
  });

  app.get('/admin/callback', async (c) => {
    const identity = c.get('identity');
    if (!identity)
      return c.html(
        errorPage('Connexion indisponible', 'La connexion des agents n’est pas configurée.'),
        503,
      );
    const db = c.get('db');
    const record = (
      outcome: 'success' | 'denied',
      actorId: string | undefined,
      details: Record<string, unknown>,
    ) => panelAudit(c, db, { action: 'session.admin_login', actorId, outcome, details });
    const refuse = async (reason: string) => {
      await record('denied', undefined, { reason });
      return c.html(
        errorPage(
          'Connexion refusée',
          `La connexion a été refusée : ${reason}. Aucune session n'a été ouverte.`,
        ),
        400,
      );
    };
    const transaction = await consumeLoginTransaction(db, getCookie(c, LOGIN_COOKIE));
    deleteCookie(c, LOGIN_COOKIE, { path: '/admin/callback' });
    if (!transaction) return refuse('demande de connexion inconnue, expirée ou déjà utilisée');
    let claims: Awaited<ReturnType<typeof identity.finishLogin>>;
    try {
      claims = await identity.finishLogin(new URL(c.req.url), transaction);
    } catch (error) {
      return refuse(describeOidcError(error));
    }
    const member = await memberForClaims(db, claims);
    const session = await createSession(db, member.id);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: secureCookies(identity.settings.adminRedirectUri),
      path: '/',
      expires: session.expiresAt,
    });
    await record('success', member.id, {});
    return c.redirect('/admin', 302);
  });

  app.post('/admin/logout', async (c) => {
    const db = c.get('db');
    const id = getCookie(c, SESSION_COOKIE);
    const found = await findSession(db, id);
    const form = await c.req.parseBody();
    const record = (outcome: 'success' | 'denied', details: Record<string, unknown>) =>
      panelAudit(c, db, {
        action: 'session.admin_logout',
        actorId: found?.member.id,
        outcome,
        details,
      });
    if (!id || !found) {
      // No session to end: the cookie, if any, is worth nothing.
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.redirect('/admin', 302);
    }
    if (form.csrf !== found.session.csrfToken) {
      // Not this session's form (a forged request): nothing changes, the cookie stays.
      await record('denied', { reason: 'csrf token mismatch' });
      return c.html(
        adminLayout(
          'Déconnexion refusée',
          html`<h1>Déconnexion refusée</h1><div class="error" role="alert"><p>Cette demande de déconnexion ne vient pas de cette page : votre session reste ouverte. Utilisez le bouton « Se déconnecter » en haut de la page.</p></div><p><a href="/admin">Retour au tableau de bord</a></p>`,
          account(found),
        ),
        403,
      );
    }
    await revokeSession(db, id);
    await record('success', {});
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    // The provider's session ends too, where it offers that.
    const providerLogout = c.get('identity')?.logoutUrl();
    return c.redirect(providerLogout?.toString() ?? '/admin', 302);
  });

  app.get('/admin', async (c) => {
    const found = await findSession(c.get('db'), getCookie(c, SESSION_COOKIE));
    if (!found) return c.html(signInPage());
    const principal = await principalForMember(c.get('db'), found.member, null);
    const created = c.req.query('cree');
    const body = await dashboardBody(
      c.get('db'),
      principal,
      created && /^[a-z0-9-]{1,63}$/.test(created) ? created : undefined,
    );
    return c.html(adminLayout('Tableau de bord', body, account(found)));
  });

  app.get('/admin/audit', async (c) => {
    const db = c.get('db');
    const found = await findSession(db, getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(db, found.member, null);
    const read = readAuditFilters(c.req.query());
    const filters = 'filters' in read ? read.filters : {};
    const name = filters.ministere;
    const ministryId = name ? (await ministryByName(db, name))?.id : undefined;
    const allowed =
      principal.operator || (ministryId !== undefined && principal.roles.has(ministryId));
    if (!allowed || (name && !ministryId)) {
      return c.html(notAllowed("Journal d'audit", 'Ce journal', found), 404);
    }
    // Staff of one ministry see its log only: the ministry is fixed in the form.
    const fixed = principal.operator ? undefined : name;
    const title = html`<h1>Journal d'audit${name ? html` – ${name}` : ''}</h1><p><a href="/admin">Retour au tableau de bord</a></p>`;
    if ('problems' in read) {
      return c.html(
        adminLayout(
          "Journal d'audit",
          html`${title}${auditBody(undefined, filters, read.problems, fixed)}`,
          account(found),
        ),
        400,
      );
    }
    const page = await auditPage(db, filters, ministryId);
    return c.html(
      adminLayout(
        "Journal d'audit",
        html`${title}${auditBody(page, filters, [], fixed)}`,
        account(found),
      ),
    );
  });

  // Operators create ministries here as with POST /v1/ministries: same rules, same audit.
  app.get('/admin/ministeres/nouveau', async (c) => {
    const found = await findSession(c.get('db'), getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(c.get('db'), found.member, null);
    if (!principal.operator)
      return c.html(notAllowed('Créer un ministère', 'Cette page', found), 404);
    return c.html(
      adminLayout(
        'Créer un ministère',
        ministryFormBody(found.session.csrfToken, {}, []),
        account(found),
      ),
    );
  });

  app.post('/admin/ministeres', async (c) => {
    const db = c.get('db');
    const found = await findSession(db, getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(db, found.member, null);
    const form = await c.req.parseBody();
    if (!principal.operator || form.csrf !== found.session.csrfToken) {
      return c.html(notAllowed('Créer un ministère', 'Cette action', found), 403);
    }
    const read = readMinistryForm(form);
    const values = {
      name: typeof form.name === 'string' ? form.name : '',
      displayName: typeof form.displayName === 'string' ? form.displayName : '',
    };
    const again = (problems: Array<{ field: string; message: string }>) =>
      c.html(
        adminLayout(
          'Créer un ministère',
          ministryFormBody(found.session.csrfToken, values, problems),
          account(found),
        ),
        400,
      );
    if ('problems' in read) return again(read.problems);
    try {
      await db.transaction(async (tx) => {
        const inserted = await insertMinistry(tx as unknown as typeof db, read.ministry);
        await panelAudit(c, tx as unknown as typeof db, {
          action: 'ministry.create',
          actorId: found.member.id,
          outcome: 'success',
          target: { type: 'ministry', id: inserted.id },
          details: { name: inserted.name, via: 'admin' },
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return again([
        {
          field: 'name',
          message: `Un ministère porte déjà le nom court « ${read.ministry.name} » : choisissez-en un autre.`,
        },
      ]);
    }
    // Post/redirect/get: a reload of the next page creates nothing twice.
    return c.redirect(`/admin?cree=${encodeURIComponent(read.ministry.name)}`, 303);
  });

  // The same records as a file (the filters of the page), for a spreadsheet.
  app.get('/admin/audit.csv', async (c) => {
    const db = c.get('db');
    const found = await findSession(db, getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(db, found.member, null);
    const read = readAuditFilters(c.req.query());
    if ('problems' in read)
      return c.redirect(`/admin/audit?${new URLSearchParams(c.req.query())}`, 302);
    const name = read.filters.ministere;
    const ministryId = name ? (await ministryByName(db, name))?.id : undefined;
    if (!(principal.operator || (ministryId !== undefined && principal.roles.has(ministryId)))) {
      return c.html(notAllowed("Journal d'audit", 'Ce journal', found), 404);
    }
    const page = await auditPage(db, read.filters, ministryId, AUDIT_EXPORT_ROWS);
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header(
      'content-disposition',
      `attachment; filename="journal-audit${name ? `-${name}` : ''}.csv"`,
    );
    return c.body(auditCsv(page.records, page.names, page.older !== null));
  });

  // The server's own check of the chain, against the signed checkpoints.
  app.get('/admin/audit/verification', async (c) => {
    const db = c.get('db');
    const found = await findSession(db, getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(db, found.member, null);
    if (!principal.operator && principal.roles.size === 0) {
      return c.html(notAllowed('Intégrité du journal d’audit', 'Cette vérification', found), 404);
    }
    // Operators walk the whole chain; others resume from the last verified head.
    const verdict = await auditVerifierFor(db, c.get('config').dataDir).verify({
      full: principal.operator,
    });
    return c.html(adminLayout('Intégrité du journal', verificationBody(verdict), account(found)));
  });

  // Any other address under /admin: the panel's own French page, not the API's JSON.
  app.all('/admin/*', async (c) => {
    const found = await findSession(c.get('db'), getCookie(c, SESSION_COOKIE));
    return c.html(
      adminLayout(
        'Page introuvable',
        html`<h1>Page introuvable</h1><p>Cette page de l’administration n’existe pas. Vérifiez l’adresse, ou revenez au <a href="/admin">tableau de bord</a>.</p>`,
        found ? account(found) : undefined,
      ),
      404,
    );
  });
}

/**
 * One record of what happened in the panel, by the signed-in member (or
 * anonymous before sign-in), written in `db`: a transaction's when it goes
 * with a change.
 */
function panelAudit(
  c: Context<ApiEnv>,
  db: Database,
  entry: {
    action: string;
    actorId: string | undefined;
    outcome: 'success' | 'denied';
    target?: { type: string; id: string };
    details: Record<string, unknown>;
  },
) {
  return appendAudit(db, {
    actorType: entry.actorId ? 'member' : 'anonymous',
    actorId: entry.actorId ?? 'anonymous',
    action: entry.action,
    targetType: entry.target?.type ?? 'session',
    targetId: entry.target?.id ?? null,
    ministryId: null,
    sourceIp: clientIp(c),
    tokenId: null,
    outcome: entry.outcome,
    details: { ...entry.details, requestId: c.get('requestId') },
  });
}

/** A page the person's roles do not open: answered as if it did not exist (404). */
function notAllowed(
  title: string,
  what: string,
  found: NonNullable<Awaited<ReturnType<typeof findSession>>>,
) {
  return adminLayout(
    title,
    html`<h1>${title}</h1><p>${what} n'est pas accessible avec vos rôles.</p>`,
    account(found),
  );
}

function account(found: NonNullable<Awaited<ReturnType<typeof findSession>>>) {
  return {
    name: found.member.displayName ?? found.member.email ?? found.member.id,
    csrfToken: found.session.csrfToken,
  };
}
