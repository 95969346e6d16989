// Search: the forms the Go client sends, paging links, sorting and the Healthcare API's parameter rules.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bodyTemperature, call, create, fhirBase, heartRate, newStoreName, startEngine } from './helpers.mjs';

let engine;
/** A store with two patients and their vitals, shared by the read-only tests below. */
let base;
let patientA;
let patientB;

before(async () => {
  engine = await startEngine();
  base = fhirBase(engine, newStoreName('search'));
  patientA = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'a' }] });
  patientB = await create(base, { resourceType: 'Patient', identifier: [{ system: 'urn:ihep:user', value: 'b' }] });
  for (let day = 1; day <= 5; day++) {
    await create(base, heartRate(patientA.id, `2026-11-0${day}T08:00:00+01:00`, 60 + day));
    await create(base, bodyTemperature(patientA.id, `2026-11-0${day}T09:00:00Z`));
  }
  await create(base, heartRate(patientB.id, '2026-11-03T08:00:00Z', 90));
});

after(async () => {
  await engine.stop();
});

function ids(bundle) {
  return (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'match').map((entry) => entry.resource.id);
}

function link(bundle, relation) {
  return bundle.link?.find((candidate) => candidate.relation === relation)?.url;
}

describe('search forms', () => {
  test('GET by subject and code', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientA.id}&code=http://loinc.org|8867-4`);
    assert.equal(response.status, 200);
    assert.equal(response.body.type, 'searchset');
    assert.equal(response.body.total, 5);
    for (const entry of response.body.entry) {
      assert.equal(entry.resource.subject.reference, `Patient/${patientA.id}`);
      assert.equal(entry.search.mode, 'match');
      assert.equal(entry.fullUrl, `${base}/Observation/${entry.resource.id}`);
    }
  });

  test('patient parameter and bare code', async () => {
    const response = await call('GET', `${base}/Observation?patient=Patient/${patientB.id}&code=8867-4`);
    assert.equal(response.body.total, 1);
  });

  test('POST Type/_search with empty body, as SearchType sends', async () => {
    const response = await call('POST', `${base}/Observation/_search?subject=Patient/${patientA.id}&code=8310-5&alt=json`);
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 5);
  });

  test('POST Type/_search with form body', async () => {
    const response = await call('POST', `${base}/Observation/_search`, {
      body: `subject=Patient%2F${patientA.id}&code=8310-5`,
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 5);
  });

  test('POST _search with resourceType parameter, as Search().ResourceType sends', async () => {
    const response = await call('POST', `${base}/_search?resourceType=Observation&subject=Patient/${patientB.id}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 1);
    assert.ok(link(response.body, 'self').startsWith(`${base}/Observation/?`));
  });

  test('system search with _type merges types', async () => {
    const response = await call('GET', `${base}?_type=Patient,Observation&_count=1000`);
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 13);
    const types = new Set(response.body.entry.map((entry) => entry.resource.resourceType));
    assert.deepEqual([...types].sort(), ['Observation', 'Patient']);
  });

  test('system search with _type and _id', async () => {
    const response = await call('GET', `${base}/?_type=Patient,Observation&_id=${patientA.id}`);
    assert.deepEqual(ids(response.body), [patientA.id]);
  });

  test('system search without types searches every stored type', async () => {
    const response = await call('POST', `${base}/_search?_count=0`);
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 13);
  });

  test('date range with both bounds', async () => {
    const response = await call(
      'GET',
      `${base}/Observation?subject=Patient/${patientA.id}&code=8867-4&date=ge2026-11-02T00:00:00Z&date=lt2026-11-04T00:00:00Z`
    );
    assert.equal(response.body.total, 2);
  });

  test('identifier token', async () => {
    const response = await call('GET', `${base}/Patient?identifier=urn:ihep:user|b`);
    assert.deepEqual(ids(response.body), [patientB.id]);
  });

  test('comma means OR for references', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientA.id},Patient/${patientB.id}&code=8867-4`);
    assert.equal(response.body.total, 6);
  });
});

describe('parameter rules', () => {
  test('Google parameters are dropped from search and links', async () => {
    const response = await call(
      'GET',
      `${base}/Observation?subject=Patient/${patientB.id}&alt=json&prettyPrint=false&fields=entry&key=k`
    );
    assert.equal(response.body.total, 1);
    for (const entry of response.body.link) {
      assert.doesNotMatch(entry.url, /alt=|prettyPrint=|fields=|key=/);
    }
  });

  test('unknown parameter is ignored', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientB.id}&colour=blue`);
    assert.equal(response.body.total, 1);
  });

  test('unknown parameter with handling=strict is 400', async () => {
    const response = await call('GET', `${base}/Observation?colour=blue`, { headers: { Prefer: 'handling=strict' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('chained search is 400', async () => {
    const response = await call('GET', `${base}/Observation?subject:Patient.identifier=urn:ihep:user|a`);
    assert.equal(response.status, 400);
    assert.match(response.body.issue[0].details.text, /Chained and _has searches are not supported/);
  });

  test('quantity search is 400 rather than an empty result', async () => {
    const response = await call('GET', `${base}/Observation?value-quantity=gt60`);
    assert.equal(response.status, 400);
    assert.equal(response.body.resourceType, 'OperationOutcome');
  });

  test('invalid date is 400', async () => {
    const response = await call('GET', `${base}/Observation?date=ge-yesterday`);
    assert.equal(response.status, 400);
  });

  test('_count above 1000 is capped', async () => {
    const response = await call('GET', `${base}/Observation?_count=5000`);
    assert.equal(response.status, 200);
    assert.equal(response.body.entry.length, 11);
  });

  test('_count that is not a number is 400', async () => {
    const response = await call('GET', `${base}/Observation?_count=ten`);
    assert.equal(response.status, 400);
  });

  test('_summary=count returns only the total', async () => {
    const response = await call('GET', `${base}/Observation?_summary=count`);
    assert.equal(response.body.total, 11);
    assert.equal(response.body.entry, undefined);
  });

  test('_elements keeps listed elements and marks SUBSETTED', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientB.id}&_elements=code`);
    const resource = response.body.entry[0].resource;
    assert.ok(resource.code);
    assert.equal(resource.valueQuantity, undefined);
    assert.ok(resource.meta.tag.some((tag) => tag.code === 'SUBSETTED'));
  });

  test('_include adds the subject', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientB.id}&_include=Observation:subject`);
    const included = response.body.entry.filter((entry) => entry.search.mode === 'include');
    assert.deepEqual(included.map((entry) => entry.resource.id), [patientB.id]);
  });

  test('_revinclude adds observations of the patient', async () => {
    const response = await call('GET', `${base}/Patient?_id=${patientB.id}&_revinclude=Observation:subject`);
    const included = response.body.entry.filter((entry) => entry.search.mode === 'include');
    assert.equal(included.length, 1);
    assert.equal(included[0].resource.resourceType, 'Observation');
  });
});

describe('sorting', () => {
  test('_sort=-date gives newest first, across time zones', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientA.id}&_sort=-date&_count=3`);
    const dates = response.body.entry.map((entry) => Date.parse(entry.resource.effectiveDateTime));
    assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
    assert.equal(response.body.entry[0].resource.effectiveDateTime, '2026-11-05T09:00:00Z');
  });

  test('_sort=date gives oldest first', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientA.id}&code=8867-4&_sort=date`);
    assert.deepEqual(
      response.body.entry.map((entry) => entry.resource.valueQuantity.value),
      [61, 62, 63, 64, 65]
    );
  });

  test('two sort keys', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientA.id}&_sort=code,-date`);
    const pairs = response.body.entry.map((entry) => entry.resource.code.coding[0].code);
    assert.deepEqual(pairs, ['8310-5', '8310-5', '8310-5', '8310-5', '8310-5', '8867-4', '8867-4', '8867-4', '8867-4', '8867-4']);
    assert.equal(response.body.entry[0].resource.effectiveDateTime, '2026-11-05T09:00:00Z');
  });

  test('unknown sort parameter is 400', async () => {
    const response = await call('GET', `${base}/Observation?_sort=colour`);
    assert.equal(response.status, 400);
  });
});

describe('paging', () => {
  test('next links walk every result once', async () => {
    const first = await call('GET', `${base}/Observation?subject=Patient/${patientA.id}&_count=3&_sort=-date&alt=json`);
    assert.equal(first.body.total, 10);
    const seen = [...ids(first.body)];
    let next = link(first.body, 'next');
    let pages = 1;
    while (next) {
      assert.ok(next.startsWith(`${base}/Observation/?`), `next link keeps the store prefix: ${next}`);
      assert.match(next, /_page_token=/);
      assert.doesNotMatch(next, /alt=/);
      const page = await call('GET', next);
      assert.equal(page.status, 200);
      assert.equal(link(page.body, 'self'), next);
      seen.push(...ids(page.body));
      next = link(page.body, 'next');
      pages++;
    }
    assert.equal(pages, 4);
    assert.equal(seen.length, 10);
    assert.equal(new Set(seen).size, 10);
  });

  test('next link of a POST search is a GET URL', async () => {
    const first = await call('POST', `${base}/Observation/_search?subject=Patient/${patientA.id}&_count=6`);
    const second = await call('GET', link(first.body, 'next'));
    assert.equal(second.status, 200);
    assert.equal(second.body.entry.length, 4);
    assert.equal(link(second.body, 'next'), undefined);
  });

  test('last page has no next link', async () => {
    const response = await call('GET', `${base}/Observation?subject=Patient/${patientB.id}`);
    assert.equal(link(response.body, 'next'), undefined);
    assert.ok(link(response.body, 'self'));
    assert.ok(link(response.body, 'first'));
  });

  test('system search pages across types', async () => {
    const first = await call('GET', `${base}?_type=Patient,Observation&_count=10`);
    const second = await call('GET', link(first.body, 'next'));
    assert.equal(second.body.entry.length, 3);
    const all = [...ids(first.body), ...ids(second.body)];
    assert.equal(new Set(all).size, 13);
  });

  test('invalid _page_token is 400', async () => {
    const response = await call('GET', `${base}/Observation?_page_token=garbage`);
    assert.equal(response.status, 400);
  });
});
