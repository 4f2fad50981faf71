export { UserError } from './cli/errors.ts';
export { GovClient } from './client/gov-client.ts';
export { citizenGet } from './net/citizen-fetch.ts';
