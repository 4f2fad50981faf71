import type { MiddlewareHandler } from 'hono';

/**
 * Pages load nothing from anywhere, not even from this origin: no script,
 * no font, no image, only their own inline styles. Forms post back here.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('content-security-policy', CONTENT_SECURITY_POLICY);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
};

/**
 * Answers to a submitted form carry the citizen's personal data: never keep
 * them in a cache (shared phones, cybercafés, proxies).
 */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('cache-control', 'no-store');
};
