// What every part of the storage service answers with: errors in the
// platform's shape, and refusals that leave the app's connection usable.

const encoder = new TextEncoder();

export const byteLength = (text) => encoder.encode(text).byteLength;

export function failure(status, code, message) {
  return Response.json({ error: { code, message } }, { status });
}

/**
 * Refuses a request after reading what is left of its body: answering
 * before the body is read leaves the connection unusable, and the app's
 * next request on it would fail with "Network connection lost".
 */
export async function refuse(request, status, code, message) {
  await request.arrayBuffer().catch(() => {});
  return failure(status, code, message);
}
