import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type AppEnv, readSettings } from './env.ts';
import { type Html, layout } from './pages/layout.ts';

/** Wraps a page body in the common layout and answers it as HTML (utf-8). */
export function renderPage(
  c: Context<AppEnv>,
  title: string,
  body: Html,
  status: ContentfulStatusCode = 200,
) {
  const { ministryName } = readSettings(c.env);
  return c.html(layout({ title, ministry: ministryName, body }), status);
}
