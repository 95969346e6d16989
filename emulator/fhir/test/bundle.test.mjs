// Transaction and batch bundles, as ExecuteBundle sends them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, create, fhirBase, heartRate, newStoreName, startEngine } from './helpers.mjs';

let engine;

before(async () => {
  engine = await startEngine();
});

after(async () => {
  await engine.stop();
});

const PATIENT_URN = 'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e';
const OBSERVATION_URN = 'urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7';

function transactionWithReferences() {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: OBSERVATION_URN,
        resource: { ...heartRate('placeholder', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        fullUrl: PATIENT_URN,
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'tx' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ],
  };
}

test('transaction rewrites urn:uuid references', async () => {
  const base = fhirBase(engine, newStoreName('tx'));
  const response = await call('POST', base, { body: transactionWithReferences() });
  assert.equal(response.status, 200);
  assert.equal(response.body.type, 'transaction-response');

  const [observationEntry, patientEntry] = response.body.entry;
  assert.equal(observationEntry.response.status, '201');
  assert.equal(patientEntry.response.status, '201');
  assert.equal(observationEntry.response.etag, `W/"${observationEntry.resource.meta.versionId}"`);
  assert.equal(observationEntry.resource.subject.reference, `Patient/${patientEntry.resource.id}`);

  const stored = await call('GET', `${base}/Observation/${observationEntry.resource.id}`);
  assert.equal(stored.body.subject.reference, `Patient/${patientEntry.resource.id}`);
});

test('bundle POST to base with trailing slash', async () => {
  const base = fhirBase(engine, newStoreName('slash'));
  const response = await call('POST', `${base}/`, { body: transactionWithReferences() });
  assert.equal(response.status, 200);
  assert.equal(response.body.type, 'transaction-response');
});

test('failed transaction is rolled back', async () => {
  const base = fhirBase(engine, newStoreName('rollback'));
  const existing = await create(base, { resourceType: 'Patient', active: true });
  await call('PUT', `${base}/Patient/${existing.id}`, { body: { ...existing, active: false } });

  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'rolled-back' }] },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        resource: { ...existing, gender: 'female' },
        request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: `W/"${existing.meta.versionId}"` },
      },
    ],
  };
  const response = await call('POST', base, { body: bundle });
  assert.equal(response.status, 412);
  assert.equal(response.body.resourceType, 'OperationOutcome');

  const search = await call('GET', `${base}/Patient?identifier=urn:ihep:user|rolled-back`);
  assert.equal(search.body.total, 0);
  const current = await call('GET', `${base}/Patient/${existing.id}`);
  assert.equal(current.body.gender, undefined);
});

test('transaction rollback restores updated and deleted resources', async () => {
  const base = fhirBase(engine, newStoreName('restore'));
  const updated = await create(base, { resourceType: 'Patient', active: true });
  const deleted = await create(base, { resourceType: 'Patient', active: true });

  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: { ...updated, active: false }, request: { method: 'PUT', url: `Patient/${updated.id}` } },
      { request: { method: 'DELETE', url: `Patient/${deleted.id}` } },
      { request: { method: 'DELETE', url: 'Patient/does-not-exist' } },
    ],
  };
  const response = await call('POST', base, { body: bundle });
  assert.equal(response.status, 404);

  const updatedNow = await call('GET', `${base}/Patient/${updated.id}`);
  assert.equal(updatedNow.body.active, true);
  assert.equal(updatedNow.body.meta.versionId, updated.meta.versionId);
  const history = await call('GET', `${base}/Patient/${updated.id}/_history`);
  assert.equal(history.body.entry.length, 1);
  assert.equal((await call('GET', `${base}/Patient/${deleted.id}`)).status, 200);
  const search = await call('GET', `${base}/Patient?active=true`);
  assert.equal(search.body.total, 2);
});

test('conditional create inside a transaction', async () => {
  const base = fhirBase(engine, newStoreName('txcond'));
  const existing = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'c' }] });
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: PATIENT_URN,
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'c' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:ihep:user|c' },
      },
      {
        resource: { ...heartRate('placeholder', '2026-12-01T08:00:00Z'), subject: { reference: PATIENT_URN } },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  };
  const response = await call('POST', base, { body: bundle });
  assert.equal(response.status, 200);
  assert.equal(response.body.entry[0].response.status, '200');
  assert.equal(response.body.entry[0].resource.id, existing.id);
  assert.equal(response.body.entry[1].resource.subject.reference, `Patient/${existing.id}`);
  assert.equal((await call('GET', `${base}/Patient`)).body.total, 1);
});

test('batch keeps going past a failed entry', async () => {
  const base = fhirBase(engine, newStoreName('batch'));
  const bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      { request: { method: 'GET', url: 'Patient?_count=5' } },
    ],
  };
  const response = await call('POST', base, { body: bundle });
  assert.equal(response.status, 200);
  assert.equal(response.body.type, 'batch-response');
  assert.deepEqual(
    response.body.entry.map((entry) => entry.response.status),
    ['201', '404', '200']
  );
  assert.equal(response.body.entry[2].resource.total, 1);
});

test('bundle of the wrong type is 400', async () => {
  const base = fhirBase(engine, newStoreName('badbundle'));
  const response = await call('POST', base, { body: { resourceType: 'Bundle', type: 'collection', entry: [] } });
  assert.equal(response.status, 400);
});
