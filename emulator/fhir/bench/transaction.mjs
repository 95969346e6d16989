// Transaction speed over HTTP: one transaction of 500 conditional creates, as functions/vitals
// sends it, on an empty store and on a store with 20,000 Observations, plus 300 update-creates,
// as functions/smoothvitals sends them.
//
// Usage: npm run bench:transaction   (about 5 seconds; run it on an otherwise idle machine)

import { performance } from 'node:perf_hooks';
import { call, fhirBase, newStoreName, startEngine } from '../test/helpers.mjs';

const RUNS = 7;
const ENTRIES = 500;
const PUTS = 300;
const FILL_OBSERVATIONS = 20000;
const FILL_PER_TRANSACTION = 1000;
const READING_SYSTEM = 'urn:ihep:reading';
const START = Date.UTC(2026, 10, 1);

function reading(n, patient = 'p1') {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [{ system: READING_SYSTEM, value: `reading-${n}` }],
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: new Date(START + n * 60_000).toISOString(),
    valueQuantity: { value: 50 + (n % 70), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** Builds a transaction of conditional creates for readings first … first + count - 1. */
function conditionalCreates(first, count = ENTRIES) {
  const entry = Array.from({ length: count }, (_, k) => ({
    resource: reading(first + k),
    request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${READING_SYSTEM}|reading-${first + k}` },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

function updateCreates(prefix) {
  const entry = Array.from({ length: PUTS }, (_, k) => ({
    resource: { ...reading(k), id: `${prefix}-${k}` },
    request: { method: 'PUT', url: `Observation/${prefix}-${k}` },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** Posts a transaction and returns its latency in ms, failing on any status but 200. */
async function post(base, bundle, expectedStatus) {
  const started = performance.now();
  const response = await call('POST', base, { body: bundle });
  const elapsed = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(`transaction returned ${response.status}`);
  }
  const wrong = response.body.entry.filter((entry) => entry.response.status !== expectedStatus).length;
  if (wrong > 0) {
    throw new Error(`${wrong} entries did not return ${expectedStatus}`);
  }
  return elapsed;
}

/** Runs measureOnce RUNS times and prints the median and the slowest latency. */
async function report(label, entries, measureOnce) {
  const latencies = [];
  for (let run = 0; run < RUNS; run++) {
    latencies.push(await measureOnce(run));
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(RUNS / 2)];
  const entriesPerSecond = (entries / median) * 1000;
  console.log(
    `${label.padEnd(58)} p50 ${median.toFixed(0).padStart(5)} ms  max ${latencies.at(-1).toFixed(0).padStart(5)} ms  ` +
      `${entriesPerSecond.toFixed(0).padStart(6)} entries/s`
  );
}

const engine = await startEngine();
try {
  console.log(`${RUNS} runs each. Latency of one transaction over HTTP, client on the same machine.`);
  // One unmeasured transaction first, so the first measured line does not include JIT warm-up.
  await post(fhirBase(engine, newStoreName('warmup')), conditionalCreates(0), '201');

  await report(`${ENTRIES} conditional creates, empty store`, ENTRIES, (run) =>
    post(fhirBase(engine, newStoreName(`empty${run}`)), conditionalCreates(0), '201')
  );
  const matchBase = fhirBase(engine, newStoreName('match'));
  await post(matchBase, conditionalCreates(0), '201');
  await report(`${ENTRIES} conditional creates, all match`, ENTRIES, () => post(matchBase, conditionalCreates(0), '200'));
  await report(`${PUTS} PUTs to new ids, empty store`, PUTS, (run) =>
    post(fhirBase(engine, newStoreName(`put${run}`)), updateCreates('smoothed'), '200')
  );

  const fullBase = fhirBase(engine, newStoreName('full'));
  const fillStarted = performance.now();
  for (let first = 0; first < FILL_OBSERVATIONS; first += FILL_PER_TRANSACTION) {
    await post(fullBase, conditionalCreates(first, FILL_PER_TRANSACTION), '201');
  }
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  console.log(
    `filled a store with ${FILL_OBSERVATIONS} Observations in ${fillSeconds.toFixed(1)} s ` +
      `(transactions of ${FILL_PER_TRANSACTION} conditional creates)`
  );
  await report(`${ENTRIES} conditional creates, store with 20,000`, ENTRIES, (run) =>
    post(fullBase, conditionalCreates(FILL_OBSERVATIONS + run * ENTRIES), '201')
  );
  await report(`${ENTRIES} conditional creates, store with 20,000, all match`, ENTRIES, () =>
    post(fullBase, conditionalCreates(0), '200')
  );
} finally {
  await engine.stop();
}
