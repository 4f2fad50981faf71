import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { appendAudit } from '../audit/append.ts';
import { queryAudit } from '../audit/query.ts';
import { principalForMember } from '../auth/principal.ts';
import { clientIp } from '../http/client-ip.ts';
import type { ApiEnv } from '../http/env.ts';
import { memberForClaims } from '../identity/members.ts';
import { describeOidcError } from '../identity/staff-identity.ts';
import { ministryByName } from '../routes/lookup.ts';
import { dashboardBody } from './dashboard.ts';
import { consumeLoginTransaction, saveLoginTransaction } from './login-transactions.ts';
import { adminLayout, errorPage, signInPage } from './pages.ts';
import {
  createSession,
  findSession,
  LOGIN_COOKIE,
  revokeSession,
  SESSION_COOKIE,
} from './sessions.ts';

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Cookies are Secure except on this machine (http://127.0.0.1 has no TLS). */
function secureCookies(redirectUri: string): boolean {
  return !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(redirectUri).hostname);
}

/**
 * The admin panel: sign-in with authorization code + PKCE, server-side
 * sessions, and pages for operators and ministry staff.
 */
export function registerAdmin(app: Hono<ApiEnv>): void {
  app.use('/admin/*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(securityHeaders)) c.header(k, v);
  });
  app.use('/admin', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(securityHeaders)) c.header(k, v);
  });

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
    ) =>
      appendAudit(db, {
        actorType: actorId ? 'member' : 'anonymous',
        actorId: actorId ?? 'anonymous',
        action: 'session.admin_login',
        targetType: 'session',
        targetId: null,
        ministryId: null,
        sourceIp: clientIp(c),
        tokenId: null,
        outcome,
        details: { ...details, requestId: c.get('requestId') },
      });
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
    const id = getCookie(c, SESSION_COOKIE);
    const found = await findSession(c.get('db'), id);
    const form = await c.req.parseBody();
    if (id && found && form.csrf === found.session.csrfToken) await revokeSession(c.get('db'), id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/admin', 302);
  });

  app.get('/admin', async (c) => {
    const found = await findSession(c.get('db'), getCookie(c, SESSION_COOKIE));
    if (!found) return c.html(signInPage());
    const principal = await principalForMember(c.get('db'), found.member, null);
    const body = await dashboardBody(c.get('db'), principal);
    return c.html(adminLayout('Tableau de bord', body, account(found)));
  });

  app.get('/admin/audit', async (c) => {
    const db = c.get('db');
    const found = await findSession(db, getCookie(c, SESSION_COOKIE));
    if (!found) return c.redirect('/admin', 302);
    const principal = await principalForMember(db, found.member, null);
    const name = c.req.query('ministere');
    const ministryId = name ? (await ministryByName(db, name))?.id : undefined;
    const allowed =
      principal.operator || (ministryId !== undefined && principal.roles.has(ministryId));
    if (!allowed || (name && !ministryId)) {
      return c.html(
        adminLayout(
          'Journal',
          html`<h1>Journal d'audit</h1><p>Ce journal n'est pas accessible avec vos rôles.</p>`,
          account(found),
        ),
        404,
      );
    }
    const { records } = await queryAudit(db, { after: 0, limit: 200 }, ministryId);
    const rows = records
      .reverse()
      .map(
        (r) =>
          html`<tr><td>${r.seq}</td><td>${r.at.slice(0, 19).replace('T', ' ')}</td><td>${r.actorType}:${r.actorId}</td><td>${r.action}</td><td>${r.targetType} ${r.targetId ?? ''}</td><td>${r.outcome}</td><td>${r.sourceIp ?? ''}</td></tr>`,
      );
    return c.html(
      adminLayout(
        "Journal d'audit",
        html`<h1>Journal d'audit${name ? html` – ${name}` : ''}</h1><p><a href="/admin">Retour</a></p>
<table><thead><tr><th scope="col">N°</th><th scope="col">Date (UTC)</th><th scope="col">Auteur</th><th scope="col">Action</th><th scope="col">Cible</th><th scope="col">Résultat</th><th scope="col">Adresse</th></tr></thead>
<tbody>${rows}</tbody></table>`,
        account(found),
      ),
    );
  });
}

function account(found: NonNullable<Awaited<ReturnType<typeof findSession>>>) {
  return {
    name: found.member.displayName ?? found.member.email ?? found.member.id,
    csrfToken: found.session.csrfToken,
  };
}
