/**
 * @gov/sdk: what a ministry developer installs. The `gov` CLI is
 * `bin/gov.js`; these are the parts other code may reuse.
 *
 * @example
 * import { GovClient, citizenGet } from '@gov/sdk';
 * const app = await new GovClient('http://127.0.0.1:7070', token).getApp('demo', 'demarche');
 * const page = await citizenGet(app.url);
 */
export { readAppConfig } from './build/app-config.ts';
export { buildApp } from './build/wrangler-build.ts';
export { isUserError, UserError } from './cli/errors.ts';
export { type AppResource, type DeploymentResource, GovClient } from './client/gov-client.ts';
export { type CitizenResponse, citizenGet, isLocalhostName } from './net/citizen-fetch.ts';
