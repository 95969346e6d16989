// The fast search path (exact index, _id lookup, cached date values, partial sort) must give
// exactly what a full scan with @medplum/core's matcher gives: the same matches in the same
// order, also for equal sort keys, and the same pages. Each query runs on two repositories
// with the same writes, one with useIndex false, and their results are compared.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import { loadDefinitions } from '../src/definitions.mjs';
import { StoreRepository } from '../src/repository.mjs';
import { systemSearchHandler, typeSearchHandler } from '../src/search.mjs';

const LOINC = 'http://loinc.org';
const TAG_SYSTEM = 'https://ihep.app/fhir/CodeSystem/observation-tag';
const SMOOTHED = `${TAG_SYSTEM}|smoothed`;

/**
 * Effective values of every precision and form: dates, date-times with and without a zone,
 * fractions beyond milliseconds, instants, closed and open periods, and values with no
 * searchable date (a Timing, a non-date string, nothing). Several name the same instant, so
 * sorting by date meets equal keys, and some equal the bounds of the filter values below.
 */
const EFFECTIVE_VALUES = [
  { effectiveDateTime: '2026' },
  { effectiveDateTime: '2026-11' },
  { effectiveDateTime: '2026-11-03' },
  { effectiveDateTime: '2026-11-03T10' },
  { effectiveDateTime: '2026-11-03T10:00:00Z' },
  { effectiveDateTime: '2026-11-03T11:00:00+01:00' },
  { effectiveDateTime: '2026-11-03T05:00:00-05:00' },
  { effectiveDateTime: '2026-11-03T10:00:00' },
  { effectiveDateTime: '2026-11-03T10:00:00.500Z' },
  { effectiveDateTime: '2026-11-03T10:00:00.123456789Z' },
  { effectiveDateTime: '2026-11-03T10:00:00.999Z' },
  { effectiveDateTime: '2026-11-03T23:59:59.999Z' },
  { effectiveDateTime: '2026-11-02T23:59:59.999Z' },
  { effectiveDateTime: '2026-11-04T00:00:00Z' },
  { effectiveDateTime: '0001-01-01T00:00:00Z' },
  { effectiveDateTime: '9999-12-31' },
  // Year 10000 in UTC: toISOString writes "+010000-...", which sorts before every year as a string.
  { effectiveDateTime: '9999-12-31T23:59:59-14:00' },
  { effectiveDateTime: '0001-01-01T00:00:00+14:00' },
  { effectiveInstant: '2026-11-03T10:00:00Z' },
  { effectivePeriod: { start: '2026-11-03T09:00:00Z', end: '2026-11-03T11:00:00Z' } },
  { effectivePeriod: { start: '2026-11-03' } },
  { effectivePeriod: { end: '2026-11-03T10:00:00Z' } },
  { effectivePeriod: { start: '2026-11', end: '2026-12' } },
  { effectiveTiming: { event: ['2026-11-03T10:00:00Z'] } },
  { effectiveDateTime: 'yesterday' },
  {},
];

const CODINGS = [
  [{ system: LOINC, code: '8867-4' }],
  [{ system: LOINC, code: '59408-5' }],
  [{ system: LOINC, code: '2708-6' }],
  [{ code: 'ABC-1' }],
];

const SUBJECTS = ['Patient/a', 'Patient/b', undefined];

/** Ids given by PUT, two of them equal but for case, as _id compares case-insensitively. */
const ASSIGNED_IDS = ['Obs-Upper-1', 'obs-upper-1', 'smoothed-7', 'MixedCase'];

/** Lists the test Observations: every effective value three times, with varying code, subject and tags. */
function observations() {
  const resources = [];
  for (let copy = 0; copy < 3; copy++) {
    EFFECTIVE_VALUES.forEach((effective, i) => {
      const n = copy * EFFECTIVE_VALUES.length + i;
      const tags = [];
      if (n % 3 === 0) {
        tags.push({ system: TAG_SYSTEM, code: 'smoothed' });
      }
      if (n % 5 === 0) {
        tags.push({ system: 'urn:other', code: 'reviewed', display: 'Reviewed' });
      }
      const subject = SUBJECTS[n % SUBJECTS.length];
      // A second date parameter (value-date) on some, from the effective values shifted by a few.
      const value = n % 4 === 1 ? EFFECTIVE_VALUES[(i + 3) % EFFECTIVE_VALUES.length] : {};
      resources.push({
        resourceType: 'Observation',
        status: n % 4 === 2 ? 'amended' : 'final',
        ...(tags.length > 0 ? { meta: { tag: tags } } : {}),
        code: { coding: CODINGS[n % CODINGS.length] },
        ...(subject ? { subject: { reference: subject } } : {}),
        ...effective,
        ...(value.effectiveDateTime ? { valueDateTime: value.effectiveDateTime } : {}),
        ...(value.effectivePeriod ? { valuePeriod: value.effectivePeriod } : {}),
      });
    });
  }
  return resources;
}

/** The fast repository and the matcher-only one, with the same resources in the same store order. */
let fast;
let generic;
/** Ids of the stored Observations in store order, for _id queries. */
let storedIds;

/** Applies one write to both repositories. write receives a repository and returns a promise. */
async function onBoth(write) {
  await write(fast);
  await write(generic);
}

function requestOf(resourceType, pairs) {
  const record = {};
  for (const [name, value] of pairs) {
    record[name] = name in record ? [record[name], value].flat() : value;
  }
  return parseSearchRequest(resourceType, record);
}

function ids(matches) {
  return matches.map(({ resource }) => resource.id);
}

function describeQuery(pairs) {
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Asserts that both repositories return the same ids in the same order, and returns them. */
function assertSameMatches(pairs) {
  const expected = ids(generic.findMatches(requestOf('Observation', pairs)));
  const actual = ids(fast.findMatches(requestOf('Observation', pairs)));
  assert.deepEqual(actual, expected, `Observation?${describeQuery(pairs)}\nfast:    ${actual}\nmatcher: ${expected}`);
  return expected;
}

const DATE_VALUES = [
  '2026',
  '2026-11',
  '2026-11-03',
  '2026-11-03T10',
  '2026-11-03T10:00:00Z',
  '2026-11-03T10:00:00+01:00',
  '2026-11-03T10:00:00.500Z',
  '2026-11-03T10:00:00.123456789Z',
  '2026-11-02T23:59:59.999Z',
  '2026-11-03T23:59:59.999Z',
  '0001',
  '9999-12-31',
  '9999-12-31T23:59:59-14:00',
];
const DATE_PREFIXES = ['', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'];
const SORTS = [undefined, 'date', '-date', 'code,-date', '-date,subject', '_id'];

/** Queries of the shapes the Go functions send, and edge cases of each filter the fast path resolves. */
function namedQueries() {
  const [first, second, third] = storedIds;
  return [
    [['subject', 'Patient/a'], ['code', `${LOINC}|8867-4`], ['_tag', SMOOTHED], ['date', 'lt2026-11-03T10:00:00Z'], ['_sort', '-date']],
    [['subject', 'Patient/a'], ['code', `${LOINC}|59408-5,${LOINC}|2708-6`], ['date', 'ge2026-11-03T10:00:00Z'], ['_sort', 'date']],
    [['subject', 'Patient/b'], ['code', `${LOINC}|8867-4`], ['_tag:not', SMOOTHED], ['date', 'lt2026-11-04'], ['_sort', '-date']],
    [['code', `${LOINC}|59408-5,${LOINC}|2708-6`], ['_tag', SMOOTHED], ['date', 'le2026-11-03T10:00:00Z'], ['_sort', '-date']],
    [['subject', 'Patient/a'], ['date', 'ge2026-11-03T00:00:00Z'], ['date', 'lt2026-11-04T00:00:00Z'], ['_sort', '-date']],
    [['date', 'ge2026-11-03'], ['code', '8867-4'], ['date', 'lt2026-11-03T10:00:00.500Z']],
    [['date', 'ge2026-11-03'], ['value-date', 'lt2026-11-03T10:00:00Z'], ['date', 'le2026-11-03T23:59:59.999Z']],
    [['value-date', 'ge2026-11'], ['date', 'ne2026-11-03'], ['_sort', '-date']],
    [['value-date', '2026-11-03'], ['_sort', 'value-date']],
    [['date:missing', 'true']],
    [['date:missing', 'false'], ['_sort', 'date']],
    [['_tag', SMOOTHED]],
    [['_tag', 'smoothed']],
    [['_tag', 'SMOOTHED,reviewed']],
    [['_tag:not', 'urn:other|reviewed'], ['_sort', '-date']],
    [['_tag', 'Reviewed']],
    [['_tag', `${TAG_SYSTEM}|`]],
    [['_tag', '|smoothed']],
    [['_tag:not', SMOOTHED], ['_tag:not', 'urn:other|reviewed']],
    [['subject:not', 'Patient/a'], ['_sort', 'date']],
    [['_id', `${first},${second},${third}`]],
    [['_id', `${third},${first}`], ['_sort', '-date']],
    [['_id', `${first},${first},does-not-exist`]],
    [['_id', 'obs-upper-1']],
    [['_id', 'OBS-UPPER-1,mixedcase']],
    [['_id', `|${second}`]],
    [['_id', `urn:system|${second}`]],
    [['_id', '|']],
    [['_id', '']],
    [['_id:not', `${first},${second}`], ['_sort', 'date']],
    [['_id', `${first},${second},${third}`], ['code', `${LOINC}|8867-4,ABC-1`]],
    [['_id', ASSIGNED_IDS.join(',')], ['date', 'ge2026-11-03'], ['_sort', '-date']],
    [['_id', first], ['_id', `${first},${second}`]],
    [['status', 'amended']],
    [['status', 'FINAL'], ['date', 'ge2026-11-03'], ['_sort', 'date']],
    [['status', 'final,amended'], ['subject', 'Patient/a']],
    [['status:not', 'final'], ['_sort', '-date']],
    [['_sort', '-date']],
    [['_sort', 'date']],
    [],
  ];
}

/** Returns a pseudo-random number generator (mulberry32), so the random queries are the same on every run. */
function seededRandom(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds random combinations of subject, code, _tag, _id and up to two date filters, with or without a sort. */
function randomQueries(count) {
  const random = seededRandom(20261203);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const queries = [];
  for (let i = 0; i < count; i++) {
    const pairs = [];
    if (random() < 0.5) {
      pairs.push(['subject', pick(['Patient/a', 'Patient/b', 'Patient/a,Patient/b'])]);
    }
    if (random() < 0.5) {
      pairs.push(['code', pick([`${LOINC}|8867-4`, `${LOINC}|59408-5,${LOINC}|2708-6`, 'ABC-1', '|abc-1'])]);
    }
    if (random() < 0.4) {
      pairs.push([pick(['_tag', '_tag:not']), pick([SMOOTHED, 'reviewed', `${SMOOTHED},urn:other|reviewed`])]);
    }
    if (random() < 0.2) {
      const chosen = storedIds.filter(() => random() < 0.2);
      pairs.push(['_id', chosen.join(',') || 'none']);
    }
    const dateFilters = Math.floor(random() * 3);
    for (let d = 0; d < dateFilters; d++) {
      pairs.push([random() < 0.8 ? 'date' : 'value-date', pick(DATE_PREFIXES) + pick(DATE_VALUES)]);
    }
    const sort = pick(SORTS);
    if (sort) {
      pairs.push(['_sort', sort]);
    }
    // Filters in random order, because the fast path must keep the matcher's order of checks.
    pairs.sort(() => random() - 0.5);
    queries.push(pairs);
  }
  return queries;
}

/** Defines the comparison tests for the current contents of both repositories. */
function defineComparisons() {
  describe('date prefixes and precisions', () => {
    for (const prefix of DATE_PREFIXES) {
      for (const value of DATE_VALUES) {
        test(`date=${prefix}${value}`, () => {
          for (const sort of [undefined, 'date', '-date']) {
            assertSameMatches(sort ? [['date', prefix + value], ['_sort', sort]] : [['date', prefix + value]]);
          }
        });
      }
    }
  });

  describe('named queries', () => {
    // The query list needs storedIds, which exist only once before() has run.
    test('every named query', () => {
      for (const pairs of namedQueries()) {
        assertSameMatches(pairs);
      }
    });
  });

  describe('random combinations', () => {
    test('300 seeded queries', () => {
      for (const pairs of randomQueries(300)) {
        assertSameMatches(pairs);
      }
    });
  });

  describe('sorting by date', () => {
    test('equal dates keep store order', () => {
      const storeOrder = assertSameMatches([]);
      const sorted = fast.findMatches(requestOf('Observation', [['_sort', 'date']]));
      const ties = sorted.filter((match, i) => i > 0 && match.sortKeys[0] === sorted[i - 1].sortKeys[0]);
      assert.ok(ties.length > 10, `only ${ties.length} resources share a date with their predecessor`);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].sortKeys[0] === sorted[i - 1].sortKeys[0]) {
          const [earlier, later] = [sorted[i - 1].resource.id, sorted[i].resource.id];
          assert.ok(storeOrder.indexOf(earlier) < storeOrder.indexOf(later), `${earlier} and ${later} are out of store order`);
        }
      }
    });

    test('resources without a date come last both ways', () => {
      for (const sort of ['date', '-date']) {
        const matches = fast.findMatches(requestOf('Observation', [['_sort', sort]]));
        const firstMissing = matches.findIndex((match) => match.sortKeys[0] === undefined);
        assert.ok(firstMissing > 0);
        assert.ok(matches.slice(firstMissing).every((match) => match.sortKeys[0] === undefined));
      }
    });
  });

  describe('paging', () => {
    const pagedQueries = [
      [['_sort', '-date']],
      [['_sort', 'date']],
      [['_sort', 'code,-date']],
      [['code', `${LOINC}|8867-4,${LOINC}|59408-5`], ['date', 'ge2026-11-03'], ['_sort', '-date']],
      [['_tag:not', SMOOTHED]],
    ];

    for (const pairs of pagedQueries) {
      test(`pages of ${describeQuery(pairs)}`, () => {
        const expected = ids(generic.findMatches(requestOf('Observation', pairs)));
        const half = Math.floor(expected.length / 2);
        const pages = [[0, 0], [0, 1], [0, 5], [3, 2], [0, 17], [17, 17], [0, half], [half, 3], [half, half + 9], [0, Infinity]];
        for (const [offset, count] of [...pages, [expected.length - 1, 5], [expected.length + 5, 5]]) {
          for (const repo of [fast, generic]) {
            const { total, matches } = repo.findPage(requestOf('Observation', pairs), offset, count);
            assert.equal(total, expected.length, `total of page ${offset}+${count}`);
            assert.deepEqual(ids(matches), expected.slice(offset, offset + count), `page ${offset}+${count}`);
          }
        }
      });

      test(`next links of ${describeQuery(pairs)}`, async () => {
        const fastPages = await walkPages(typeSearchHandler, fast, 'Observation', [...pairs, ['_count', '7']]);
        const genericPages = await walkPages(typeSearchHandler, generic, 'Observation', [...pairs, ['_count', '7']]);
        assert.deepEqual(fastPages, genericPages);
        assert.deepEqual(fastPages.flat(), ids(generic.findMatches(requestOf('Observation', pairs))));
      });
    }

    test('next links across types', async () => {
      const pairs = [['_type', 'Patient,Observation'], ['_sort', '-_id'], ['_count', '6']];
      const fastPages = await walkPages(systemSearchHandler, fast, undefined, pairs);
      const genericPages = await walkPages(systemSearchHandler, generic, undefined, pairs);
      assert.deepEqual(fastPages, genericPages);
      assert.ok(fastPages.length > 3);
    });

    test('repository search with offset and count', async () => {
      const request = requestOf('Observation', [['_sort', '-date'], ['_count', '9'], ['_offset', '18']]);
      const fastPage = await fast.search(request);
      const genericPage = await generic.search(request);
      assert.equal(fastPage.total, genericPage.total);
      assert.deepEqual(
        fastPage.entry.map((entry) => entry.resource.id),
        genericPage.entry.map((entry) => entry.resource.id)
      );
    });
  });
}

/** Follows a search's next links to the end and returns the ids of each page. */
async function walkPages(handler, repo, resourceType, pairs) {
  const baseUrl = 'http://engine.test/fhir';
  let query = requestQuery(pairs);
  const pages = [];
  for (;;) {
    const req = { params: { resourceType }, query, body: undefined, headers: {}, config: { baseUrl } };
    const [, bundle] = await handler(req, repo);
    pages.push((bundle.entry ?? []).map((entry) => entry.resource.id));
    const next = bundle.link.find((link) => link.relation === 'next')?.url;
    if (!next || pages.length > 100) {
      return pages;
    }
    query = requestQuery([...new URL(next).searchParams]);
  }
}

function requestQuery(pairs) {
  const query = {};
  for (const [name, value] of pairs) {
    query[name] = name in query ? [query[name], value].flat() : value;
  }
  return query;
}

before(async () => {
  await loadDefinitions();
  fast = new StoreRepository();
  generic = new StoreRepository(() => {}, { useIndex: false });
  for (const resource of observations()) {
    const created = await fast.createResource(resource);
    await generic.createResource(created, { assignedId: true });
  }
  for (const [i, id] of ASSIGNED_IDS.entries()) {
    await onBoth((repo) => repo.updateResource({ ...observations()[i * 5], id }));
  }
  await onBoth((repo) => repo.createResource({ resourceType: 'Patient', id: 'p-1' }, { assignedId: true }));
  await onBoth((repo) => repo.createResource({ resourceType: 'Patient', id: 'p-2' }, { assignedId: true }));
  storedIds = ids(fast.findMatches(requestOf('Observation', [])));
});

describe('fast path equals the matcher', () => {
  defineComparisons();
});

describe('fast path equals the matcher after updates, deletes and a rollback', () => {
  before(async () => {
    // Fill the caches first, so that a cached value that outlives its version shows.
    for (const pairs of [...namedQueries(), ...randomQueries(50)]) {
      fast.findMatches(requestOf('Observation', pairs));
    }

    const [first, second, third, fourth, fifth] = storedIds;
    const current = (repo, id) => repo.peek('Observation', id);
    // A new date and a new tag: the cached date and the index keys change.
    await onBoth((repo) =>
      repo.updateResource({
        ...current(repo, first),
        effectiveDateTime: '2026-11-03T10:00:00Z',
        meta: { tag: [{ system: TAG_SYSTEM, code: 'smoothed' }] },
      })
    );
    // The same keys, a new date.
    await onBoth((repo) => repo.patchResource('Observation', second, [{ op: 'add', path: '/effectiveDateTime', value: '2026-11-02' }]));
    // Deleted and created again: the id moves to the end of store order.
    await onBoth((repo) => repo.deleteResource('Observation', third));
    await onBoth((repo) => repo.updateResource({ resourceType: 'Observation', id: third, status: 'final', effectiveDateTime: '2026-11-03' }));
    await onBoth((repo) => repo.deleteResource('Observation', fourth));
    // A rolled-back transaction leaves the first versions, and their cached values, in place.
    for (const repo of [fast, generic]) {
      await assert.rejects(
        repo.withTransaction(async () => {
          await repo.updateResource({ ...current(repo, fifth), effectiveDateTime: '1999-01-01' });
          await repo.deleteResource('Observation', second);
          throw new Error('roll back');
        })
      );
    }
    storedIds = ids(fast.findMatches(requestOf('Observation', [])));
  });

  defineComparisons();
});

describe('invalid date values', () => {
  test('filter value with a 60th second is 400 on both paths', () => {
    for (const repo of [fast, generic]) {
      assert.throws(
        () => repo.findMatches(requestOf('Observation', [['date', 'ge2026-11-03T10:00:60Z']])),
        (err) => err instanceof OperationOutcomeError && err.outcome.issue[0].code === 'invalid'
      );
    }
  });

  test('stored date with a 60th second throws on both paths', async () => {
    const repos = [new StoreRepository(), new StoreRepository(() => {}, { useIndex: false })];
    for (const repo of repos) {
      await repo.createResource({ resourceType: 'Observation', status: 'final', effectiveDateTime: '2026-11-03T10:00:60Z' });
      assert.throws(() => repo.findMatches(requestOf('Observation', [['date', 'ge2026-11-03']])), RangeError);
      assert.throws(() => repo.findMatches(requestOf('Observation', [['_sort', 'date']])), RangeError);
    }
  });
});
