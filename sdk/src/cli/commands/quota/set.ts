import { resolveMinistry } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { type QuotaAnswer, quotaTable } from './get.ts';

const usage = 'gov quota set <limit>=<value>... [--ministry m] [--json]';

/** `maxApps=20` pairs as the JSON the API takes; the API names the limits there are. */
export function parseLimits(pairs: string[]): Record<string, number> {
  if (pairs.length === 0) {
    throw new UserError('missing_argument', 'which limit? none given', {
      hint: 'for example gov quota set maxApps=20; `gov quota get` lists the limits',
    });
  }
  const limits: Record<string, number> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z][A-Za-z0-9]{0,63})=(\d{1,16})$/.exec(pair);
    if (!match?.[1] || !match[2]) {
      throw new UserError('invalid_argument', `"${pair}" is not <limit>=<whole number>`, {
        hint: `for example maxApps=20; usage: ${usage}`,
      });
    }
    limits[match[1]] = Number(match[2]);
  }
  return limits;
}

export const quotaSet = defineCommand({
  path: ['quota', 'set'],
  summary: "Change a ministry's limits (platform operators only)",
  usage,
  positionals: ['limit=value...'],
  options: { ...apiOptions, ministry: { type: 'string' } },
  async run(input) {
    const limits = parseLimits(input.positionals);
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const quota = await client.raw<QuotaAnswer>(
      'PATCH',
      `/v1/ministries/${ministry}/quota`,
      limits,
    );
    if (input.flags.json) return input.stdout(`${JSON.stringify(quota)}\n`);
    input.stdout(quotaTable(quota));
    input.stderr('The gateway applies the new limits at once.\n');
  },
});
