// Local FHIR R4 engine for IHEP: @medplum/fhir-router's in-memory repository behind the
// Cloud Healthcare API's URL shape, with the store's Pub/Sub change notifications.
// Configuration is read from the environment; see README.md.

import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { readConfig } from './src/config.mjs';
import { loadDefinitions } from './src/definitions.mjs';
import { createRequestListener } from './src/http.mjs';
import { log, describeError } from './src/log.mjs';
import { ChangeNotifier } from './src/notifier.mjs';
import { createRouter } from './src/routes.mjs';
import { StoreRegistry } from './src/stores.mjs';

const SHUTDOWN_GRACE_MS = 5000;

let config;
try {
  config = readConfig();
} catch (err) {
  log.error(err.message);
  process.exit(2);
}

const notifier = new ChangeNotifier(config.notifications);
const stores = new StoreRegistry(notifier);
let ready = false;
const server = http.createServer(createRequestListener({ router: createRouter(), stores, isReady: () => ready }));

server.on('error', (err) => {
  log.error('FHIR engine could not listen', { host: config.host, port: config.port, ...describeError(err) });
  process.exit(1);
});

server.listen(config.port, config.host, async () => {
  const { port } = server.address();
  log.info('FHIR engine listening; loading definitions', { host: config.host, port });

  const started = performance.now();
  const narrowedParameters = await loadDefinitions();
  ready = true;
  log.info('FHIR engine ready', {
    host: config.host,
    port,
    loadMs: Math.round(performance.now() - started),
    narrowedParameters,
    notificationTopic: notifier.enabled ? config.notifications.topic : 'off',
    sendFullResource: config.notifications.sendFullResource,
  });
});

let stopping = false;

/** Stops accepting requests, lets open ones finish and publishes queued notifications, within a grace period. */
async function stop(signal) {
  if (stopping) {
    return;
  }
  stopping = true;
  log.info('FHIR engine stopping', { signal, pendingNotifications: notifier.pending });

  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(timer);

  const flushed = await notifier.flush(SHUTDOWN_GRACE_MS);
  if (!flushed) {
    log.error('FHIR engine stopped with notifications unsent', {
      count: notifier.pending,
      notifications: notifier.pendingNotifications(),
    });
  }
  log.info('FHIR engine stopped', { signal });
  process.exit(flushed ? 0 : 1);
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
