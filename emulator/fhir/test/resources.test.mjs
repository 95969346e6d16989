// Single-resource interactions, the HTTP front and the store lifecycle.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, create, fhirBase, heartRate, newStoreName, startEngine } from './helpers.mjs';

let engine;

before(async () => {
  engine = await startEngine();
});

after(async () => {
  await engine.stop();
});

function newBase(label) {
  return fhirBase(engine, newStoreName(label));
}

describe('health and routing', () => {
  test('healthz answers 200 once ready', async () => {
    const response = await call('GET', `${engine.origin}/healthz`);
    assert.equal(response.status, 200);
  });

  test('unknown path is 404 OperationOutcome', async () => {
    const response = await call('GET', `${engine.origin}/v1/projects/p/somewhere`);
    assert.equal(response.status, 404);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('fhirStores without fhir segment is not a FHIR path', async () => {
    const response = await call('GET', `${engine.origin}/v1/projects/p/locations/l/datasets/d/fhirStores/fhirstore/Patient`);
    assert.equal(response.status, 404);
  });

  test('unknown resource type is 400', async () => {
    const response = await call('GET', `${newBase('types')}/Vital`);
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('capabilities statement', async () => {
    const response = await call('GET', `${newBase('meta')}/metadata`);
    assert.equal(response.status, 200);
    assert.equal(response.body.resourceType, 'CapabilityStatement');
    assert.equal(response.body.fhirVersion, '4.0.1');
  });
});

describe('create and read', () => {
  test('create returns 201 with weak ETag and absolute Location', async () => {
    const base = newBase('create');
    const response = await call('POST', `${base}/Patient`, {
      body: { resourceType: 'Patient', id: 'client-chosen', name: [{ family: 'Doe' }] },
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
    const { id, meta } = response.body;
    assert.notEqual(id, 'client-chosen', 'the server assigns ids on create');
    assert.equal(response.headers.get('etag'), `W/"${meta.versionId}"`);
    assert.equal(response.headers.get('location'), `${base}/Patient/${id}/_history/${meta.versionId}`);
    assert.ok(meta.lastUpdated);
  });

  test('read returns the resource with its ETag', async () => {
    const base = newBase('read');
    const created = await create(base, { resourceType: 'Patient', gender: 'female' });
    const response = await call('GET', `${base}/Patient/${created.id}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.gender, 'female');
    assert.equal(response.headers.get('etag'), `W/"${created.meta.versionId}"`);
    assert.ok(response.headers.get('last-modified'));
  });

  test('read of unknown id is 404 OperationOutcome', async () => {
    const response = await call('GET', `${newBase('missing')}/Patient/does-not-exist`);
    assert.equal(response.status, 404);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('Google query parameters are ignored', async () => {
    const base = newBase('google');
    const created = await create(base, { resourceType: 'Patient' });
    const response = await call('GET', `${base}/Patient/${created.id}?alt=json&prettyPrint=false&fields=id&key=abc`);
    assert.equal(response.status, 200);
    assert.equal(response.body.id, created.id);
  });

  test('create without Content-Type is 415', async () => {
    const base = newBase('ctype');
    const response = await fetch(`${base}/Patient`, { method: 'POST', body: '{"resourceType":"Patient"}' });
    assert.equal(response.status, 415);
    assert.equal((await response.json()).resourceType, 'OperationOutcome');
  });

  test('invalid JSON is 400', async () => {
    const response = await call('POST', `${newBase('json')}/Patient`, { body: '{"resourceType":' });
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('body type differing from URL type is 400', async () => {
    const response = await call('POST', `${newBase('mismatch')}/Observation`, { body: { resourceType: 'Patient' } });
    assert.equal(response.status, 400);
  });

  test('body over 10 MiB is 413', async () => {
    const padding = 'x'.repeat(10 * 1024 * 1024 + 1);
    const response = await call('POST', `${newBase('large')}/Patient`, {
      body: `{"resourceType":"Patient","text":{"div":"${padding}"}}`,
    });
    assert.equal(response.status, 413);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('body just under 10 MiB is accepted', async () => {
    const padding = 'x'.repeat(10 * 1024 * 1024 - 200);
    const response = await call('POST', `${newBase('almost')}/Basic`, {
      body: `{"resourceType":"Basic","code":{"text":"${padding}"}}`,
    });
    assert.equal(response.status, 201);
  });
});

describe('versions and updates', () => {
  test('update with current If-Match succeeds and vread keeps the old version', async () => {
    const base = newBase('update');
    const created = await create(base, { resourceType: 'Patient', gender: 'male' });
    const updated = await call('PUT', `${base}/Patient/${created.id}`, {
      body: { ...created, gender: 'other' },
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });
    assert.equal(updated.status, 200);
    assert.notEqual(updated.body.meta.versionId, created.meta.versionId);
    assert.equal(updated.headers.get('etag'), `W/"${updated.body.meta.versionId}"`);

    const old = await call('GET', `${base}/Patient/${created.id}/_history/${created.meta.versionId}`);
    assert.equal(old.status, 200);
    assert.equal(old.body.gender, 'male');
  });

  test('update with stale If-Match is 412', async () => {
    const base = newBase('stale');
    const created = await create(base, { resourceType: 'Patient' });
    await call('PUT', `${base}/Patient/${created.id}`, { body: { ...created, active: true } });
    const stale = await call('PUT', `${base}/Patient/${created.id}`, {
      body: { ...created, active: false },
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
  });

  test('history lists versions newest first on every call', async () => {
    const base = newBase('history');
    const created = await create(base, { resourceType: 'Patient', active: false });
    const updated = await call('PUT', `${base}/Patient/${created.id}`, { body: { ...created, active: true } });
    for (let i = 0; i < 2; i++) {
      const history = await call('GET', `${base}/Patient/${created.id}/_history`);
      assert.equal(history.status, 200);
      assert.deepEqual(
        history.body.entry.map((entry) => entry.resource.meta.versionId),
        [updated.body.meta.versionId, created.meta.versionId]
      );
    }
  });

  test('patch with current If-Match applies JSON Patch', async () => {
    const base = newBase('patch');
    const created = await create(base, heartRate('p1', '2026-12-01T08:00:00Z', 70));
    const response = await call('PATCH', `${base}/Observation/${created.id}`, {
      body: [{ op: 'replace', path: '/valueQuantity/value', value: 75 }],
      contentType: 'application/json-patch+json',
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.valueQuantity.value, 75);
    assert.notEqual(response.body.meta.versionId, created.meta.versionId);
  });

  test('patch with stale If-Match is 412', async () => {
    const base = newBase('patchstale');
    const created = await create(base, heartRate('p1', '2026-12-01T08:00:00Z', 70));
    const patch = [{ op: 'replace', path: '/valueQuantity/value', value: 71 }];
    const first = await call('PATCH', `${base}/Observation/${created.id}`, {
      body: patch,
      contentType: 'application/json-patch+json',
    });
    assert.equal(first.status, 200);
    const stale = await call('PATCH', `${base}/Observation/${created.id}`, {
      body: patch,
      contentType: 'application/json-patch+json',
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });
    assert.equal(stale.status, 412);
  });

  test('patch needs application/json-patch+json', async () => {
    const base = newBase('patchtype');
    const created = await create(base, { resourceType: 'Patient' });
    const response = await call('PATCH', `${base}/Patient/${created.id}`, {
      body: [{ op: 'add', path: '/active', value: true }],
    });
    assert.equal(response.status, 415);
  });

  test('failed patch test operation is 400', async () => {
    const base = newBase('patchtest');
    const created = await create(base, { resourceType: 'Patient', active: true });
    const response = await call('PATCH', `${base}/Patient/${created.id}`, {
      body: [{ op: 'test', path: '/active', value: false }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('patch that changes the id is 400', async () => {
    const base = newBase('patchid');
    const created = await create(base, { resourceType: 'Patient' });
    const response = await call('PATCH', `${base}/Patient/${created.id}`, {
      body: [{ op: 'replace', path: '/id', value: 'other' }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(response.status, 400);
  });
});

describe('conditional create', () => {
  const identifier = { system: 'urn:ihep:test', value: 'reading-1' };

  test('If-None-Exist returns the existing resource with 200', async () => {
    const base = newBase('ifnone');
    const resource = { ...heartRate('p1', '2026-12-01T08:00:00Z'), identifier: [identifier] };
    const headers = { 'If-None-Exist': `identifier=${identifier.system}|${identifier.value}` };
    const first = await call('POST', `${base}/Observation`, { body: resource, headers });
    assert.equal(first.status, 201);
    const second = await call('POST', `${base}/Observation`, { body: resource, headers });
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);

    const search = await call('GET', `${base}/Observation?identifier=${identifier.system}|${identifier.value}`);
    assert.equal(search.body.total, 1);
  });

  test('If-None-Exist matching two resources is 412', async () => {
    const base = newBase('ifnonemany');
    const resource = { ...heartRate('p1', '2026-12-01T08:00:00Z'), identifier: [identifier] };
    await create(base, resource);
    await create(base, resource);
    const response = await call('POST', `${base}/Observation`, {
      body: resource,
      headers: { 'If-None-Exist': `identifier=${identifier.system}|${identifier.value}` },
    });
    assert.equal(response.status, 412);
  });

  test('If-None-Exist with unknown parameter is 400 instead of a duplicate', async () => {
    const base = newBase('ifnonetypo');
    const response = await call('POST', `${base}/Patient`, {
      body: { resourceType: 'Patient' },
      headers: { 'If-None-Exist': 'identifer=urn:x|1' },
    });
    assert.equal(response.status, 400);
  });
});

describe('delete', () => {
  test('delete then read is 410 and old versions stay readable', async () => {
    const base = newBase('delete');
    const created = await create(base, { resourceType: 'Patient' });
    const deleted = await call('DELETE', `${base}/Patient/${created.id}`);
    assert.equal(deleted.status, 200);
    const read = await call('GET', `${base}/Patient/${created.id}`);
    assert.equal(read.status, 410);
    const vread = await call('GET', `${base}/Patient/${created.id}/_history/${created.meta.versionId}`);
    assert.equal(vread.status, 200);
  });

  test('delete of unknown id is 404', async () => {
    const response = await call('DELETE', `${newBase('delete404')}/Patient/nope`);
    assert.equal(response.status, 404);
  });
});

describe('stores', () => {
  test('stores are isolated by name', async () => {
    const storeName = newStoreName('isolated');
    const otherName = storeName.replace('/fhirStores/', '/fhirStores/other-');
    const created = await create(fhirBase(engine, storeName), { resourceType: 'Patient' });

    const read = await call('GET', `${fhirBase(engine, otherName)}/Patient/${created.id}`);
    assert.equal(read.status, 404);
    const search = await call('GET', `${fhirBase(engine, otherName)}/Patient`);
    assert.equal(search.body.total, 0);
  });

  test('same store id in another dataset is another store', async () => {
    const storeName = newStoreName('dataset');
    const otherDataset = storeName.replace('/datasets/test-dataset/', '/datasets/other-dataset/');
    await create(fhirBase(engine, storeName), { resourceType: 'Patient' });
    const search = await call('GET', `${fhirBase(engine, otherDataset)}/Patient`);
    assert.equal(search.body.total, 0);
  });

  test('DELETE store drops its data', async () => {
    const storeName = newStoreName('drop');
    const base = fhirBase(engine, storeName);
    const created = await create(base, { resourceType: 'Patient' });

    const dropped = await call('DELETE', `${engine.origin}/v1/${storeName}`);
    assert.equal(dropped.status, 200);
    assert.deepEqual(dropped.body, {});

    assert.equal((await call('GET', `${base}/Patient/${created.id}`)).status, 404);
    assert.equal((await call('GET', `${base}/Patient`)).body.total, 0);
    assert.equal((await create(base, { resourceType: 'Patient' })).resourceType, 'Patient');
  });
});
