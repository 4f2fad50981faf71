import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env.ts';
import { problemPages } from './pages/problem.ts';
import { renderPage } from './render.ts';

/**
 * The form's answers are at most a dozen fields of 100 characters; even
 * percent-encoded (up to 9 bytes a character) they fit well under this.
 */
export const MAX_FORM_BYTES = 16 * 1024;

/** What an HTML form without `enctype` sends. Anything else is not our form. */
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

export const formBodyOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM_MEDIA_TYPE) {
    const { title, body } = problemPages.unsupportedMediaType;
    return renderPage(c, title, body, 415);
  }
  await next();
};

export const formBodyLimit = bodyLimit({
  maxSize: MAX_FORM_BYTES,
  onError: (c) => {
    const { title, body } = problemPages.tooLarge;
    return renderPage(c, title, body, 413);
  },
});
