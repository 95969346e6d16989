// Large transaction bundles, as the Go functions send them: hundreds of conditional creates or
// update-creates in one all-or-nothing request.

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
const READING_SYSTEM = 'urn:ihep:reading';
const PATIENT_URN = 'urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const SECOND_URN = 'urn:uuid:9b2c7f3a-1d4e-4c8a-b6f0-2a5d8e7c1b90';

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

function transaction(entry) {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** Builds the conditional create of reading i, keyed by its identifier, as functions/vitals sends it. */
function conditionalReading(i, patientId = 'p1') {
  const value = `reading-${i}`;
  const minute = String(i % 60).padStart(2, '0');
  const hour = String(Math.floor(i / 60) % 24).padStart(2, '0');
  return {
    resource: {
      ...heartRate(patientId, `2026-12-01T${hour}:${minute}:00Z`, 60 + (i % 40)),
      identifier: [{ system: READING_SYSTEM, value }],
    },
    request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${READING_SYSTEM}|${value}` },
  };
}

async function count(base, resourceType, query = '') {
  const response = await call('GET', `${base}/${resourceType}?_summary=count${query}`);
  assert.equal(response.status, 200);
  return response.body.total;
}

function locationId(entry) {
  return entry.response.location.split('/')[1];
}

function messagesFor(storeName) {
  return pubsub.messages.filter((message) => message.attributes.storeName === storeName);
}

/** Writes a marker resource and waits for its notification, so earlier ones have been published by now. */
async function publishedBeforeMarker(base, storeName) {
  const marker = await create(base, { resourceType: 'Basic', code: { text: 'marker' } });
  await waitFor(
    () => messagesFor(storeName).some((message) => message.decoded.endsWith(`/Basic/${marker.id}`)),
    8000,
    'the marker notification'
  );
  return messagesFor(storeName).filter((message) => !message.decoded.endsWith(`/Basic/${marker.id}`));
}

describe('conditional creates', () => {
  test('500 creates, then 500 matches', async () => {
    const base = fhirBase(engine, newStoreName('cond500'));
    const entries = Array.from({ length: 500 }, (_, i) => conditionalReading(i));

    const first = await call('POST', base, { body: transaction(entries) });
    assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 500));
    assert.equal(first.body.type, 'transaction-response');
    assert.equal(first.body.entry.length, 500);
    assert.ok(first.body.entry.every((entry) => entry.response.status === '201'));
    assert.deepEqual(
      first.body.entry.map((entry) => entry.resource.identifier[0].value),
      entries.map((entry) => entry.resource.identifier[0].value),
      'responses come in request order'
    );
    assert.equal(await count(base, 'Observation'), 500);

    const second = await call('POST', base, { body: transaction(entries) });
    assert.equal(second.status, 200);
    assert.equal(second.body.entry.length, 500);
    assert.ok(second.body.entry.every((entry) => entry.response.status === '200'));
    assert.deepEqual(second.body.entry.map(locationId), first.body.entry.map(locationId));
    assert.deepEqual(
      second.body.entry.map((entry) => entry.response.etag),
      first.body.entry.map((entry) => entry.response.etag),
      'a match leaves the resource at its version'
    );
    assert.equal(await count(base, 'Observation'), 500);
  });

  test('identical pair in one transaction', async () => {
    const base = fhirBase(engine, newStoreName('condpair'));
    const reading = conditionalReading(7);
    const response = await call('POST', base, { body: transaction([reading, structuredClone(reading)]) });
    assert.equal(response.status, 200);
    const [first, second] = response.body.entry;
    assert.equal(first.response.status, '201');
    assert.equal(second.response.status, '200');
    assert.equal(second.response.location, first.response.location);
    assert.equal(await count(base, 'Observation'), 1);
  });

  test('entry response fields', async () => {
    const base = fhirBase(engine, newStoreName('condshape'));
    const response = await call('POST', base, { body: transaction([conditionalReading(1)]) });
    const [entry] = response.body.entry;
    const { id, meta } = entry.resource;
    assert.equal(entry.response.status, '201');
    assert.equal(entry.response.location, `Observation/${id}`);
    assert.equal(entry.response.etag, `W/"${meta.versionId}"`);
    assert.equal(entry.response.lastModified, meta.lastUpdated);
    assert.equal(entry.response.outcome.resourceType, 'OperationOutcome');
  });
});

test('300 PUTs to new ids create them', async () => {
  const base = fhirBase(engine, newStoreName('put300'));
  const entries = Array.from({ length: 300 }, (_, i) => {
    const id = `smoothed-${i}`;
    return {
      resource: { ...heartRate('p1', '2026-12-01T08:00:00Z', 60 + (i % 40)), id },
      request: { method: 'PUT', url: `Observation/${id}` },
    };
  });

  const response = await call('POST', base, { body: transaction(entries) });
  assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 500));
  assert.equal(response.body.entry.length, 300);
  assert.ok(response.body.entry.every((entry) => entry.response.status === '200'));
  assert.deepEqual(
    response.body.entry.map(locationId),
    entries.map((entry) => entry.resource.id)
  );
  assert.equal(await count(base, 'Observation'), 300);

  const again = await call('POST', base, { body: transaction(entries) });
  assert.equal(again.status, 200);
  assert.ok(again.body.entry.every((entry) => entry.response.status === '200'));
  assert.equal(await count(base, 'Observation'), 300);
  const history = await call('GET', `${base}/Observation/smoothed-0/_history`);
  assert.equal(history.body.total, 2);
});

describe('rollback', () => {
  test('invalid entry 250 stores and publishes nothing', async () => {
    const storeName = newStoreName('invalid250');
    const base = fhirBase(engine, storeName);
    const entries = Array.from({ length: 500 }, (_, i) => conditionalReading(i));
    entries[250] = { ...entries[250], resource: { ...entries[250].resource, resourceType: 'Patient' } };

    const response = await call('POST', base, { body: transaction(entries) });
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
    const [issue] = response.body.issue;
    assert.match(issue.diagnostics, /Bundle\.entry\[250\] \(POST Observation\) failed with status 400/);
    assert.deepEqual(issue.expression, ['Bundle.entry[250]']);
    assert.doesNotMatch(JSON.stringify(response.body), /reading-250/, 'no resource contents in the outcome');

    assert.equal(await count(base, 'Observation'), 0);
    assert.equal(await count(base, 'Patient'), 0);
    assert.deepEqual(await publishedBeforeMarker(base, storeName), []);
  });

  test('If-Match mismatch is 412', async () => {
    const storeName = newStoreName('ifmatch');
    const base = fhirBase(engine, storeName);
    const existing = await create(base, { resourceType: 'Patient', active: true });
    const entries = Array.from({ length: 200 }, (_, i) => conditionalReading(i, existing.id));
    entries.push({
      resource: { ...existing, active: false },
      request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"not-the-current-version"' },
    });

    const response = await call('POST', base, { body: transaction(entries) });
    assert.equal(response.status, 412);
    assert.match(response.body.issue[0].diagnostics, /Bundle\.entry\[200\] \(PUT Patient\) failed with status 412/);
    assert.equal(await count(base, 'Observation'), 0);
    const current = await call('GET', `${base}/Patient/${existing.id}`);
    assert.equal(current.body.active, true);
    assert.equal(current.body.meta.versionId, existing.meta.versionId);
    assert.deepEqual(
      (await publishedBeforeMarker(base, storeName)).map((message) => message.attributes.resourceType),
      ['Patient'],
      'only the create made before the transaction'
    );
  });

  test('matching If-Match updates', async () => {
    const base = fhirBase(engine, newStoreName('ifmatchok'));
    const existing = await create(base, { resourceType: 'Patient', active: true });
    const response = await call('POST', base, {
      body: transaction([
        {
          resource: { ...existing, active: false },
          request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: `W/"${existing.meta.versionId}"` },
        },
      ]),
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.entry[0].resource.active, false);
  });
});

test('successful transaction publishes each write in order', async () => {
  const storeName = newStoreName('txorder');
  const base = fhirBase(engine, storeName);
  const entries = Array.from({ length: 120 }, (_, i) => conditionalReading(i));
  const response = await call('POST', base, { body: transaction(entries) });
  assert.equal(response.status, 200);

  const messages = await publishedBeforeMarker(base, storeName);
  assert.deepEqual(
    messages.map((message) => message.decoded.split('/').pop()),
    response.body.entry.map(locationId)
  );
  assert.ok(messages.every((message) => message.attributes.action === 'CreateResource'));
});

describe('urn:uuid references', () => {
  test('forward reference to a conditional create', async () => {
    const base = fhirBase(engine, newStoreName('urnfwd'));
    const response = await call('POST', base, {
      body: transaction([
        {
          resource: { ...heartRate('x', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'fwd' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:ihep:user|fwd' },
        },
      ]),
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [observation, patient] = response.body.entry;
    assert.equal(patient.response.status, '201');
    assert.equal(observation.resource.subject.reference, `Patient/${patient.resource.id}`);
  });

  test('forward reference to a matched conditional create', async () => {
    const base = fhirBase(engine, newStoreName('urnmatch'));
    const existing = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'm' }] });
    const response = await call('POST', base, {
      body: transaction([
        {
          resource: { ...heartRate('x', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'm' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:ihep:user|m' },
        },
      ]),
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.entry[1].response.status, '200');
    assert.equal(response.body.entry[0].resource.subject.reference, `Patient/${existing.id}`);
    assert.equal(await count(base, 'Patient'), 1);
  });

  /** Builds a panel PUT, a Patient create and a conditional PUT whose condition names the Patient's placeholder. */
  function nestedReferenceEntries() {
    return {
      panel: {
        resource: {
          resourceType: 'Observation',
          id: 'panel',
          status: 'final',
          code: { text: 'panel' },
          hasMember: [{ reference: SECOND_URN }],
          extension: [{ url: 'urn:ihep:source', valueReference: { reference: PATIENT_URN } }],
        },
        request: { method: 'PUT', url: 'Observation/panel' },
      },
      patient: {
        fullUrl: PATIENT_URN,
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'nested' }] },
        request: { method: 'POST', url: 'Patient' },
      },
      reading: {
        fullUrl: SECOND_URN,
        resource: { ...heartRate('x', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
        request: { method: 'PUT', url: `Observation?subject=${encodeURIComponent(PATIENT_URN)}` },
      },
    };
  }

  test('nested fields, PUT bodies and conditional URLs', async () => {
    const base = fhirBase(engine, newStoreName('urnnested'));
    const { panel, patient, reading } = nestedReferenceEntries();
    const response = await call('POST', base, { body: transaction([patient, reading, panel]) });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [patientEntry, readingEntry, panelEntry] = response.body.entry;
    const patientReference = `Patient/${patientEntry.resource.id}`;
    assert.equal(readingEntry.response.status, '201', 'the conditional PUT matched nothing and created');
    assert.equal(readingEntry.resource.subject.reference, patientReference);
    assert.equal(panelEntry.resource.extension[0].valueReference.reference, patientReference);
    assert.equal(panelEntry.resource.hasMember[0].reference, `Observation/${readingEntry.resource.id}`);

    const stored = await call('GET', `${base}/Observation/panel`);
    assert.equal(stored.body.hasMember[0].reference, `Observation/${readingEntry.resource.id}`);
    assert.equal(await count(base, 'Observation', `&subject=${patientReference}`), 1);
  });

  test('unknown target used before it runs is 400', async () => {
    const base = fhirBase(engine, newStoreName('urnunknown'));
    const { panel, patient, reading } = nestedReferenceEntries();
    const response = await call('POST', base, { body: transaction([panel, patient, reading]) });
    assert.equal(response.status, 400);
    assert.match(response.body.issue[0].details.text, /Bundle\.entry\[0\] refers to the fullUrl of Bundle\.entry\[2\]/);
    assert.equal(await count(base, 'Patient'), 0);
  });

  test('forward reference to a conditional PUT that creates', async () => {
    const base = fhirBase(engine, newStoreName('urnput'));
    const response = await call('POST', base, {
      body: transaction([
        {
          resource: { ...heartRate('x', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'upsert' }] },
          request: { method: 'PUT', url: 'Patient?identifier=urn:ihep:user|upsert' },
        },
      ]),
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const [observation, patient] = response.body.entry;
    assert.equal(patient.response.status, '201');
    assert.equal(observation.resource.subject.reference, `Patient/${patient.resource.id}`);
  });

  test('changed match after early use is 409', async () => {
    const base = fhirBase(engine, newStoreName('urnconflict'));
    const existing = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'gone' }] });
    const response = await call('POST', base, {
      body: transaction([
        {
          resource: { ...heartRate('x', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'gone' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:ihep:user|gone' },
        },
        { request: { method: 'DELETE', url: `Patient/${existing.id}` } },
      ]),
    });
    assert.equal(response.status, 409);
    assert.match(response.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
    assert.equal((await call('GET', `${base}/Patient/${existing.id}`)).status, 200);
    assert.equal(await count(base, 'Observation'), 0);
  });

  test('duplicate fullUrl is 400', async () => {
    const base = fhirBase(engine, newStoreName('urndup'));
    const entry = { fullUrl: PATIENT_URN, resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } };
    const response = await call('POST', base, { body: transaction([entry, structuredClone(entry)]) });
    assert.equal(response.status, 400);
    assert.match(response.body.issue[0].details.text, /Bundle\.entry\[1\]\.fullUrl repeats/);
    assert.equal(await count(base, 'Patient'), 0);
  });
});

test('runs by method, responds in request order', async () => {
  const base = fhirBase(engine, newStoreName('order'));
  const doomed = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'order' }] });
  const response = await call('POST', base, {
    body: transaction([
      { request: { method: 'GET', url: 'Patient?identifier=urn:ihep:user|order' } },
      {
        resource: { resourceType: 'Patient', id: 'fixed', active: true },
        request: { method: 'PUT', url: 'Patient/fixed' },
      },
      {
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'order' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:ihep:user|order' },
      },
      { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
      { request: { method: 'HEAD', url: 'Patient/fixed' } },
    ]),
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const [search, put, post, del, head] = response.body.entry;
  assert.equal(del.response.status, '200');
  assert.equal(post.response.status, '201', 'the delete ran before the conditional create');
  assert.notEqual(post.resource.id, doomed.id);
  assert.equal(put.response.status, '200');
  assert.equal(search.resource.total, 1, 'the search ran after the writes');
  assert.equal(search.resource.entry[0].resource.id, post.resource.id);
  assert.equal(head.response.status, '200');
  assert.equal(head.resource, undefined);
});

test('PATCH entry applies a JSON Patch', async () => {
  const base = fhirBase(engine, newStoreName('patch'));
  const existing = await create(base, { resourceType: 'Patient', active: true });
  const patch = [{ op: 'replace', path: '/active', value: false }];
  const response = await call('POST', base, {
    body: transaction([
      {
        resource: {
          resourceType: 'Binary',
          contentType: 'application/json-patch+json',
          data: Buffer.from(JSON.stringify(patch)).toString('base64'),
        },
        request: { method: 'PATCH', url: `Patient/${existing.id}`, ifMatch: `W/"${existing.meta.versionId}"` },
      },
    ]),
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.entry[0].resource.active, false);
});

describe('entry checks', () => {
  test('more than 5,000 entries is 400', async () => {
    const base = fhirBase(engine, newStoreName('cap'));
    const entries = Array.from({ length: 5001 }, () => ({
      resource: { resourceType: 'Basic' },
      request: { method: 'POST', url: 'Basic' },
    }));
    const response = await call('POST', base, { body: transaction(entries) });
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
    assert.match(response.body.issue[0].details.text, /5001 entries.*at most 5000/);
    assert.equal(await count(base, 'Basic'), 0);
  });

  test('5,000 entries is accepted', async () => {
    const base = fhirBase(engine, newStoreName('atcap'));
    const entries = Array.from({ length: 5000 }, () => ({
      resource: { resourceType: 'Basic' },
      request: { method: 'POST', url: 'Basic' },
    }));
    const response = await call('POST', base, { body: transaction(entries) });
    assert.equal(response.status, 200);
    assert.equal(response.body.entry.length, 5000);
    assert.equal(await count(base, 'Basic'), 5000);
  });

  const invalidEntries = [
    ['missing method', { request: { url: 'Patient' } }, /request\.method/],
    ['unknown resource type', { resource: { resourceType: 'Nope' }, request: { method: 'POST', url: 'Nope' } }, /resource type/],
    ['POST without resource', { request: { method: 'POST', url: 'Patient' } }, /resource is missing/],
    [
      'nested bundle',
      { resource: { resourceType: 'Bundle', type: 'transaction' }, request: { method: 'POST', url: '' } },
      /request\.url/,
    ],
  ];
  for (const [name, invalid, message] of invalidEntries) {
    test(`${name} is 400`, async () => {
      const base = fhirBase(engine, newStoreName('invalid'));
      const response = await call('POST', base, {
        body: transaction([{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }, invalid]),
      });
      assert.equal(response.status, 400);
      assert.match(response.body.issue[0].details.text, message);
      assert.match(response.body.issue[0].diagnostics, /Bundle\.entry\[1\] is invalid/);
      assert.equal(await count(base, 'Patient'), 0);
    });
  }
});
