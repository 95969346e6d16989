// Change notifications in the Cloud Healthcare API's Pub/Sub format, checked against a
// stand-in for the Pub/Sub emulator's publish endpoint.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  call,
  create,
  fhirBase,
  heartRate,
  newStoreName,
  startEngine,
  startFakePubsub,
  waitFor,
} from './helpers.mjs';

const TOPIC = 'projects/test-project/topics/fhir-changes';
const RFC_1123_UTC = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC$/;

function messagesFor(pubsub, storeName) {
  return pubsub.messages.filter((message) => message.attributes.storeName === storeName);
}

async function waitForMessages(pubsub, storeName, count) {
  return waitFor(
    () => {
      const messages = messagesFor(pubsub, storeName);
      return messages.length >= count ? messages : undefined;
    },
    8000,
    `${count} notifications for ${storeName}`
  );
}

describe('name-only notifications', () => {
  let pubsub;
  let engine;

  before(async () => {
    pubsub = await startFakePubsub();
    engine = await startEngine({ PUBSUB_EMULATOR_HOST: pubsub.host, FHIR_NOTIFICATION_TOPIC: TOPIC });
  });

  after(async () => {
    await engine.stop();
    await pubsub.close();
  });

  test('create, update, patch and delete publish in order', async () => {
    const storeName = newStoreName('crud');
    const base = fhirBase(engine, storeName);
    const created = await create(base, heartRate('p1', '2026-12-01T08:00:00Z', 70));
    const updated = await call('PUT', `${base}/Observation/${created.id}`, { body: { ...created, status: 'amended' } });
    const patched = await call('PATCH', `${base}/Observation/${created.id}`, {
      body: [{ op: 'replace', path: '/status', value: 'corrected' }],
      contentType: 'application/json-patch+json',
    });
    await call('DELETE', `${base}/Observation/${created.id}`);

    const messages = await waitForMessages(pubsub, storeName, 4);
    assert.deepEqual(
      messages.map((message) => message.attributes.action),
      ['CreateResource', 'UpdateResource', 'PatchResource', 'DeleteResource']
    );
    const name = `${storeName}/fhir/Observation/${created.id}`;
    for (const message of messages) {
      assert.equal(message.topic, TOPIC);
      assert.equal(message.decoded, name);
      assert.equal(message.attributes.resourceType, 'Observation');
      assert.equal(message.attributes.storeName, storeName);
      assert.equal(message.attributes.payloadType, 'NameOnly');
      assert.match(message.attributes.lastUpdatedTime, RFC_1123_UTC);
    }
    assert.deepEqual(
      messages.slice(0, 3).map((message) => message.attributes.versionId),
      [created.meta.versionId, updated.body.meta.versionId, patched.body.meta.versionId]
    );
    assert.equal(
      messages[0].attributes.lastUpdatedTime,
      new Date(created.meta.lastUpdated).toUTCString().replace('GMT', 'UTC')
    );
  });

  test('transaction publishes one notification per write', async () => {
    const storeName = newStoreName('tx');
    const base = fhirBase(engine, storeName);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: heartRate('p1', '2026-12-01T08:00:00Z'), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const response = await call('POST', base, { body: bundle });
    assert.equal(response.status, 200);

    const messages = await waitForMessages(pubsub, storeName, 2);
    assert.deepEqual(messages.map((message) => message.attributes.resourceType).sort(), ['Observation', 'Patient']);
    assert.ok(messages.every((message) => message.attributes.action === 'CreateResource'));
  });

  test('rolled-back transaction and conditional create of an existing resource publish nothing', async () => {
    const storeName = newStoreName('quiet');
    const base = fhirBase(engine, storeName);
    const identifier = { system: 'urn:ihep:user', value: 'quiet' };
    await create(base, { resourceType: 'Patient', identifier: [identifier] });

    const again = await call('POST', `${base}/Patient`, {
      body: { resourceType: 'Patient', identifier: [identifier] },
      headers: { 'If-None-Exist': 'identifier=urn:ihep:user|quiet' },
    });
    assert.equal(again.status, 200);

    const failing = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/does-not-exist' } },
      ],
    };
    assert.equal((await call('POST', base, { body: failing })).status, 404);

    // A later write in the same store proves the earlier ones have been published by now.
    await create(base, { resourceType: 'Basic', code: { text: 'marker' } });
    const messages = await waitForMessages(pubsub, storeName, 2);
    assert.deepEqual(
      messages.map((message) => message.attributes.resourceType),
      ['Patient', 'Basic']
    );
  });

  test('concurrent writes publish once each in write order', async () => {
    const storeName = newStoreName('concurrent');
    const base = fhirBase(engine, storeName);
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => create(base, heartRate(`p${i}`, '2026-12-01T08:00:00Z', i)))
    );
    const messages = await waitForMessages(pubsub, storeName, 40);
    assert.equal(messages.length, 40);
    const byId = new Map(created.map((resource) => [resource.id, resource]));
    const order = messages.map((message) => byId.get(message.decoded.split('/').pop()).meta.lastUpdated);
    assert.deepEqual(order, [...order].sort());
  });

  test('failed publishes are retried', async () => {
    const storeName = newStoreName('retry');
    const base = fhirBase(engine, storeName);
    const callsBefore = pubsub.publishCalls;
    pubsub.failNext(2);
    const first = await create(base, { resourceType: 'Patient' });
    const second = await create(base, { resourceType: 'Patient' });
    const messages = await waitForMessages(pubsub, storeName, 2);
    assert.ok(pubsub.publishCalls - callsBefore >= 3, 'two refused publishes and at least one accepted');
    assert.deepEqual(
      messages.map((message) => message.decoded.split('/').pop()),
      [first.id, second.id]
    );
  });
});

describe('full-resource notifications', () => {
  let pubsub;
  let engine;

  before(async () => {
    pubsub = await startFakePubsub();
    engine = await startEngine({
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FHIR_NOTIFICATION_TOPIC: TOPIC,
      FHIR_SEND_FULL_RESOURCE: 'true',
    });
  });

  after(async () => {
    await engine.stop();
    await pubsub.close();
  });

  test('data is the resource, and delete stays name-only', async () => {
    const storeName = newStoreName('full');
    const base = fhirBase(engine, storeName);
    const created = await create(base, heartRate('p1', '2026-12-01T08:00:00Z', 70));
    await call('DELETE', `${base}/Observation/${created.id}`);

    const [createMessage, deleteMessage] = await waitForMessages(pubsub, storeName, 2);
    assert.equal(createMessage.attributes.payloadType, 'FullResource');
    assert.deepEqual(JSON.parse(createMessage.decoded), created);
    assert.equal(deleteMessage.attributes.action, 'DeleteResource');
    assert.equal(deleteMessage.attributes.payloadType, 'NameOnly');
    assert.equal(deleteMessage.decoded, `${storeName}/fhir/Observation/${created.id}`);
  });
});

describe('previous resource on delete', () => {
  let pubsub;
  let engine;

  before(async () => {
    pubsub = await startFakePubsub();
    engine = await startEngine({
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FHIR_NOTIFICATION_TOPIC: TOPIC,
      FHIR_SEND_PREVIOUS_RESOURCE_ON_DELETE: 'true',
    });
  });

  after(async () => {
    await engine.stop();
    await pubsub.close();
  });

  test('delete carries the deleted resource, create stays name-only', async () => {
    const storeName = newStoreName('previous');
    const base = fhirBase(engine, storeName);
    const created = await create(base, { resourceType: 'Patient', active: true });
    await call('DELETE', `${base}/Patient/${created.id}`);

    const [createMessage, deleteMessage] = await waitForMessages(pubsub, storeName, 2);
    assert.equal(createMessage.attributes.payloadType, 'NameOnly');
    assert.equal(deleteMessage.attributes.payloadType, 'FullResource');
    assert.deepEqual(JSON.parse(deleteMessage.decoded), created);
  });
});

describe('unreachable Pub/Sub emulator', () => {
  let engine;

  before(async () => {
    // A port that was just freed has no listener, so every publish is refused.
    const closed = await startFakePubsub();
    await closed.close();
    engine = await startEngine({ PUBSUB_EMULATOR_HOST: closed.host, FHIR_NOTIFICATION_TOPIC: TOPIC });
  });

  after(async () => {
    await engine.stop();
  });

  test('writes stay fast and the dropped notification is logged by id', async () => {
    const storeName = newStoreName('down');
    const base = fhirBase(engine, storeName);
    const started = performance.now();
    const created = await create(base, { resourceType: 'Patient', name: [{ family: 'Quxworth' }] });
    assert.ok(performance.now() - started < 500, 'the write does not wait for the publish');

    const line = await waitFor(
      () => engine.output().split('\n').find((entry) => entry.includes('notification publish failed')),
      8000,
      'the publish failure log line'
    );
    const logged = JSON.parse(line);
    assert.equal(logged.severity, 'ERROR');
    assert.deepEqual(logged.notifications, [`CreateResource ${storeName}/fhir/Patient/${created.id}`]);
    assert.equal(logged.errorCode, 'ECONNREFUSED');
    assert.doesNotMatch(engine.output(), /Quxworth/);
  });
});
