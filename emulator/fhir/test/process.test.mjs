// The engine as a process: configuration checks, log content and shutdown.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { call, create, fhirBase, heartRate, newStoreName, startEngine } from './helpers.mjs';

const SERVER_PATH = fileURLToPath(new URL('../server.mjs', import.meta.url));

test('invalid configuration lists every problem and exits 2', () => {
  const result = spawnSync(process.execPath, [SERVER_PATH], {
    env: {
      ...process.env,
      FHIR_PORT: 'eighty',
      FHIR_NOTIFICATION_TOPIC: 'fhir-changes',
      FHIR_SEND_FULL_RESOURCE: 'yes',
      PUBSUB_EMULATOR_HOST: '',
    },
    encoding: 'utf8',
    timeout: 10000,
  });
  assert.equal(result.status, 2);
  const message = JSON.parse(result.stdout.trim().split('\n').pop()).message;
  assert.match(message, /FHIR_PORT/);
  assert.match(message, /FHIR_NOTIFICATION_TOPIC must be projects\/PROJECT\/topics\/TOPIC/);
  assert.match(message, /PUBSUB_EMULATOR_HOST is missing/);
  assert.match(message, /FHIR_SEND_FULL_RESOURCE/);
});

test('logs carry one line per request and no health data', async () => {
  const engine = await startEngine();
  const base = fhirBase(engine, newStoreName('logs'));
  const patient = await create(base, {
    resourceType: 'Patient',
    name: [{ family: 'Zyxwvutson' }],
    identifier: [{ system: 'urn:ihep:user', value: 'secret-user-77' }],
  });
  await create(base, heartRate(patient.id, '2026-12-01T08:00:00Z', 187.25));
  await call('GET', `${base}/Patient?name=Zyxwvutson&identifier=urn:ihep:user|secret-user-77`);
  await call('GET', `${base}/Observation?value-quantity=187.25`);
  await call('POST', `${base}/Patient`, { body: '{"resourceType":"Patient","name":[{"family":"Zyxwvutson"' });
  await call('GET', `${base}/Patient?birthdate=Zyxwvutson`);
  const code = await engine.stop();
  assert.equal(code, 0);

  const output = engine.output();
  for (const secret of ['Zyxwvutson', 'secret-user-77', '187.25']) {
    assert.ok(!output.includes(secret), `log output must not contain "${secret}"`);
  }
  const requestLines = output
    .split('\n')
    .filter((line) => line.includes('"message":"request"'))
    .map((line) => JSON.parse(line));
  assert.equal(requestLines.length, 6);
  assert.deepEqual(Object.keys(requestLines[0]).sort(), [
    'latencyMs',
    'message',
    'method',
    'resourceType',
    'severity',
    'status',
    'store',
  ]);
  assert.deepEqual(
    requestLines.map((line) => line.status),
    [201, 201, 200, 400, 400, 400]
  );
});

test('SIGINT stops the engine cleanly', async () => {
  const engine = await startEngine();
  const code = await engine.stop('SIGINT');
  assert.equal(code, 0);
  assert.match(engine.output(), /"FHIR engine stopped","signal":"SIGINT"/);
});
