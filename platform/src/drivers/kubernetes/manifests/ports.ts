/** Where an app with cron triggers takes scheduled events from the control plane (its pods and its network policy). */
export const SCHEDULED_PORT = 8082;
