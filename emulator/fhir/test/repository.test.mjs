// The store repository in-process: the search index must give exactly the engine's own
// results, and rolled-back transactions must leave the index as it was.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { parseSearchRequest } from '@medplum/core';
import { loadDefinitions } from '../src/definitions.mjs';
import { StoreRepository } from '../src/repository.mjs';

const LOINC = 'http://loinc.org';

/** Observations with codes in mixed case, with and without systems, and text-only codes. */
function observations() {
  const codings = [
    [{ system: LOINC, code: '8867-4' }],
    [{ system: 'HTTP://LOINC.ORG', code: '8310-5' }],
    [{ code: '8867-4' }],
    [{ system: LOINC, code: 'ABC-1' }, { system: 'urn:local', code: 'hr' }],
    [],
  ];
  const resources = [];
  for (let i = 0; i < 200; i++) {
    const coding = codings[i % codings.length];
    resources.push({
      resourceType: 'Observation',
      status: 'final',
      code: coding.length > 0 ? { coding } : { text: 'Heart Rate' },
      subject: i % 7 === 0 ? undefined : { reference: `Patient/p${i % 4}` },
      identifier: [{ system: i % 2 ? 'urn:ihep:reading' : undefined, value: `r${i % 10}` }],
      effectiveDateTime: new Date(Date.UTC(2026, 10, 1) + i * 3600_000).toISOString(),
    });
  }
  return resources;
}

const QUERIES = [
  'subject=Patient/p1',
  'subject=Patient/p1,Patient/p2',
  'patient=Patient/p3',
  'subject=Patient/none',
  'subject=',
  'code=8867-4',
  'code=abc-1',
  `code=${LOINC}|8867-4`,
  'code=http://LOINC.org|8310-5',
  'code=|8867-4',
  `code=${LOINC}|`,
  'code=|',
  'code=heart rate',
  'code=urn:local|hr,8310-5',
  'code:not=8867-4',
  'subject=Patient/p1&code=8867-4',
  'subject=Patient/p2&code=|8867-4&date=ge2026-11-03',
  'identifier=r3',
  'identifier=urn:ihep:reading|r3',
  'identifier=|r4',
  'subject:missing=true',
  'subject=Patient/p1&_sort=-date',
];

describe('search index', () => {
  let indexed;
  let scanned;

  before(async () => {
    await loadDefinitions();
    indexed = new StoreRepository();
    scanned = new StoreRepository(() => {}, { useIndex: false });
    for (const resource of observations()) {
      const created = await indexed.createResource(resource);
      await scanned.createResource(created, { assignedId: true });
    }
  });

  for (const query of QUERIES) {
    test(`same matches for ${query}`, () => {
      const request = parseSearchRequest(`Observation?${query}`);
      const withIndex = indexed.findMatches(request).map(({ resource }) => resource.id);
      const withScan = scanned.findMatches(request).map(({ resource }) => resource.id);
      if (query.includes('_sort')) {
        assert.deepEqual(withIndex, withScan);
      } else {
        assert.deepEqual([...withIndex].sort(), [...withScan].sort());
      }
    });
  }

  test('updates move resources between index entries', async () => {
    const repo = new StoreRepository();
    const created = await repo.createResource({ resourceType: 'Observation', status: 'final', subject: { reference: 'Patient/a' } });
    await repo.updateResource({ ...created, subject: { reference: 'Patient/b' } });
    const byA = repo.findMatches(parseSearchRequest('Observation?subject=Patient/a'));
    const byB = repo.findMatches(parseSearchRequest('Observation?subject=Patient/b'));
    assert.equal(byA.length, 0);
    assert.equal(byB.length, 1);
  });

  test('rolled-back transaction restores the index', async () => {
    const repo = new StoreRepository();
    const created = await repo.createResource({ resourceType: 'Observation', status: 'final', subject: { reference: 'Patient/a' } });
    await assert.rejects(
      repo.withTransaction(async () => {
        await repo.updateResource({ ...created, subject: { reference: 'Patient/b' } });
        await repo.createResource({ resourceType: 'Observation', status: 'final', subject: { reference: 'Patient/b' } });
        throw new Error('abort');
      })
    );
    assert.equal(repo.findMatches(parseSearchRequest('Observation?subject=Patient/a')).length, 1);
    assert.equal(repo.findMatches(parseSearchRequest('Observation?subject=Patient/b')).length, 0);
  });

  test('changes inside a transaction are passed on only after it commits', async () => {
    const changes = [];
    const repo = new StoreRepository((change) => changes.push(change.action));
    await repo.withTransaction(async () => {
      await repo.createResource({ resourceType: 'Patient' });
      assert.deepEqual(changes, []);
    });
    assert.deepEqual(changes, ['CreateResource']);
  });
});

describe('reserved create ids', () => {
  before(async () => {
    await loadDefinitions();
  });

  test('first create takes the reserved id', async () => {
    const repo = new StoreRepository();
    const [first, second] = await repo.withCreateId('reserved-1', async () => [
      await repo.createResource({ resourceType: 'Patient' }),
      await repo.createResource({ resourceType: 'Patient' }),
    ]);
    assert.equal(first.id, 'reserved-1');
    assert.notEqual(second.id, 'reserved-1');
    const later = await repo.createResource({ resourceType: 'Patient' });
    assert.notEqual(later.id, 'reserved-1');
  });

  test('conditional create without a match', async () => {
    const repo = new StoreRepository();
    const patient = { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'u1' }] };
    const search = () => parseSearchRequest('Patient?identifier=urn:ihep:user|u1');
    const created = await repo.withCreateId('reserved-2', () => repo.conditionalCreate(patient, search()));
    assert.equal(created.resource.id, 'reserved-2');

    const matched = await repo.withCreateId('reserved-3', () => repo.conditionalCreate(patient, search()));
    assert.equal(matched.resource.id, 'reserved-2');
    const later = await repo.createResource({ resourceType: 'Patient' });
    assert.notEqual(later.id, 'reserved-3', 'an unused reservation ends with its callback');
  });

  test('undefined id changes nothing', async () => {
    const repo = new StoreRepository();
    const created = await repo.withCreateId(undefined, () => repo.createResource({ resourceType: 'Patient' }));
    assert.match(created.id, /^[0-9a-f-]{36}$/);
  });
});
