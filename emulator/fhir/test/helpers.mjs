// Shared test helpers: start the engine as a child process, call it, and stand in for the
// Pub/Sub emulator's publish endpoint.

import { spawn } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';

const SERVER_PATH = fileURLToPath(new URL('../server.mjs', import.meta.url));

/**
 * Starts server.mjs on a free loopback port and waits until it reports ready.
 * @returns {Promise<{ origin: string, output: () => string, stop: () => Promise<number> }>}
 */
export async function startEngine(env = {}) {
  const child = spawn(process.execPath, [SERVER_PATH], {
    env: { ...process.env, FHIR_HOST: '127.0.0.1', FHIR_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('engine did not become ready in 15 s:\n' + output)), 15000);
    child.on('exit', (code) => reject(new Error(`engine exited with ${code} before ready:\n${output}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const ready = output.split('\n').find((line) => line.includes('"FHIR engine ready"'));
      if (ready) {
        clearTimeout(timer);
        resolve(JSON.parse(ready).port);
      }
    });
  });

  return {
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) {
        return child.exitCode;
      }
      child.kill(signal);
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

/** Returns the full name of a fresh store, so each test works on its own data. */
export function newStoreName(label = 'store') {
  return `projects/test-project/locations/local/datasets/test-dataset/fhirStores/${label}-${randomUUID().slice(0, 8)}`;
}

/** Returns the FHIR base URL of a store on a running engine. */
export function fhirBase(engine, storeName) {
  return `${engine.origin}/v1/${storeName}/fhir`;
}

/**
 * Sends one request and returns status, headers and the parsed JSON body.
 * A JSON body is sent as application/fhir+json unless contentType is given.
 */
export async function call(method, url, { body, headers = {}, contentType } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = contentType ?? 'application/fhir+json;charset=utf-8';
  } else if (contentType) {
    init.headers['Content-Type'] = contentType;
  }
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Creates a resource and returns the stored version, failing loudly on any other status. */
export async function create(base, resource) {
  const response = await call('POST', `${base}/${resource.resourceType}`, { body: resource });
  if (response.status !== 201) {
    throw new Error(`create ${resource.resourceType} returned ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export function heartRate(patientId, effective, value = 72) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: effective,
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

export function bodyTemperature(patientId, effective, value = 36.8) {
  return {
    ...heartRate(patientId, effective),
    code: { coding: [{ system: 'http://loinc.org', code: '8310-5', display: 'Body temperature' }] },
    valueQuantity: { value, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
  };
}

/**
 * Starts a stand-in for the Pub/Sub emulator's publish endpoint on a loopback port.
 * failNext(n) makes the next n publish calls fail with 503.
 */
export async function startFakePubsub() {
  const messages = [];
  let failuresLeft = 0;
  let publishCalls = 0;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      publishCalls++;
      const match = /^\/v1\/(projects\/[^/]+\/topics\/[^/:]+):publish$/.exec(req.url);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end('{}');
        return;
      }
      const published = JSON.parse(text).messages;
      for (const message of published) {
        messages.push({ topic: match[1], ...message, decoded: Buffer.from(message.data, 'base64').toString('utf8') });
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messageIds: published.map((_, i) => String(messages.length - published.length + i)) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    host: `127.0.0.1:${server.address().port}`,
    messages,
    failNext(count) {
      failuresLeft = count;
    },
    get publishCalls() {
      return publishCalls;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Polls until check() returns a truthy value or timeoutMs passes. */
export async function waitFor(check, timeoutMs = 5000, description = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) {
      return result;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
