/**
 * Egress is default-deny: every outbound fetch/connect of an app goes to this
 * worker (workerd's `globalOutbound`), which refuses it with a clear error and
 * a structured log line the supervisor turns into an event. Per-ministry
 * allow-lists come later; the seam is `EgressPolicy`.
 */
export interface EgressPolicy {
  /** Hosts (host or host:port) the app may reach. Empty: nothing. */
  allowedHosts: string[];
}

export const denyAllEgress: EgressPolicy = { allowedHosts: [] };

/** Marker the supervisor looks for in workerd's stderr. */
export const EGRESS_DENIED_EVENT = 'gov.egress_denied';

export const egressGuardSource = `
export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.error(JSON.stringify({ event: ${JSON.stringify(EGRESS_DENIED_EVENT)}, host: url.host, method: request.method }));
    const message = 'Egress blocked by the Gov platform: ' + url.host + ' is not in this ministry\\'s egress policy. ' +
      'Ask a platform operator to allow it.';
    return new Response(JSON.stringify({ error: { code: 'egress_denied', message, host: url.host } }), {
      status: 403,
      headers: { 'content-type': 'application/json', 'x-gov-egress': 'denied' },
    });
  },
};
`;
