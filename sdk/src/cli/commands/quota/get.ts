import { resolveMinistry } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { table } from '../../table.ts';

export interface QuotaAnswer {
  ministry: string;
  limits: Record<string, number>;
  usage: Record<string, number>;
}

/** Which usage figure each limit is measured against, where the API reports one. */
const usageOf: Readonly<Record<string, string>> = {
  maxApps: 'apps',
  maxDeploymentsPerDay: 'deploymentsLastDay',
  maxKvBytes: 'kvBytes',
};

/** The quota as a table of limit, value and current usage. */
export function quotaTable(quota: QuotaAnswer): string {
  const rows = Object.entries(quota.limits).map(([key, value]) => {
    const used = usageOf[key];
    return [key, String(value), used ? String(quota.usage[used] ?? '-') : ''];
  });
  return table(['LIMIT', 'VALUE', 'IN USE'], rows);
}

export const quotaGet = defineCommand({
  path: ['quota', 'get'],
  summary: "Show a ministry's limits beside what it uses now",
  usage: 'gov quota get [--ministry m] [--json]',
  positionals: [],
  options: { ...apiOptions, ministry: { type: 'string' } },
  async run(input) {
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const quota = await client.raw<QuotaAnswer>('GET', `/v1/ministries/${ministry}/quota`);
    if (input.flags.json) return input.stdout(`${JSON.stringify(quota)}\n`);
    input.stdout(quotaTable(quota));
  },
});
