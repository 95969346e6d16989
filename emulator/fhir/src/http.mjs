// HTTP front of the engine: accepts the Cloud Healthcare API's URL shape, reads and checks
// the request, runs it through the FHIR router on the store's repository and renders the response.

import { performance } from 'node:perf_hooks';
import { OperationOutcomeError, getStatus, isResourceType } from '@medplum/core';
import { log, describeError } from './log.mjs';
import { createGate } from './notifier.mjs';
import { GOOGLE_SYSTEM_PARAMETERS } from './search.mjs';
import { executeTransaction } from './transaction.mjs';

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const STORE_PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/datasets\/([^/]+)\/fhirStores\/([^/]+)$/;
// "/fhir" must be a whole segment: the "fhirStores" segment also contains "fhir".
const FHIR_PATH = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/datasets\/[^/]+\/fhirStores\/([^/]+))\/fhir(?:\/(.*))?$/;

function outcome(severity, code, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text } }] };
}

/** Error that carries its own HTTP status, for problems found before the router runs. */
class HttpError extends Error {
  constructor(status, code, text) {
    super(text);
    this.status = status;
    this.body = outcome('error', code, text);
  }
}

function send(res, status, body, headers = {}) {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': FHIR_JSON, 'Content-Length': payload.length, ...headers });
  res.end(payload);
}

/**
 * Reads the request body, rejecting it with 413 once it passes MAX_BODY_BYTES. The rest of an
 * oversized body is read and discarded, so the client can finish sending and then read the 413.
 */
function readBody(req) {
  const tooLarge = () => new HttpError(413, 'too-costly', `Request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function mediaType(req) {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Parses the body for the FHIR interaction. Search bodies are form-encoded; patches must be
 * JSON Patch; other writes must be application/fhir+json, which the Healthcare API's create
 * and update reference pages require. The Go client sends no Content-Type unless the caller sets one.
 */
function parseBody(req, fhirPath, text) {
  const isSearch = fhirPath === '_search' || fhirPath.endsWith('/_search');
  if (req.method === 'GET' || req.method === 'DELETE' || (isSearch && text === '')) {
    return undefined;
  }
  const type = mediaType(req);
  if (isSearch) {
    if (type !== 'application/x-www-form-urlencoded') {
      throw new HttpError(415, 'not-supported', 'A search body must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(text);
    return Object.fromEntries([...new Set(form.keys())].map((key) => [key, form.getAll(key)]));
  }

  const expected = req.method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json';
  if (type !== expected) {
    throw new HttpError(415, 'not-supported', `Content-Type must be ${expected} for ${req.method}, got "${type}"`);
  }
  if (text === '') {
    throw new HttpError(400, 'invalid', 'Request body is empty');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid', 'Request body is not valid JSON');
  }
}

/** Rebuilds the query without Google's own parameters, which would otherwise match nothing. */
function searchPart(url) {
  const query = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    if (!GOOGLE_SYSTEM_PARAMETERS.has(name)) {
      query.append(name, value);
    }
  }
  const text = query.toString();
  return text ? '?' + text : '';
}

/** Adds ETag and Last-Modified to bundle entries that carry a versioned resource. */
function addEntryVersions(bundle) {
  for (const entry of bundle.entry ?? []) {
    const meta = entry?.resource?.meta;
    if (entry?.response && meta?.versionId) {
      entry.response.etag = `W/"${meta.versionId}"`;
      entry.response.lastModified = meta.lastUpdated;
    }
  }
}

function resourceHeaders(resource, status, baseUrl) {
  const headers = {};
  const meta = resource?.meta;
  if (!meta?.versionId || resource.resourceType === 'Bundle' || resource.resourceType === 'OperationOutcome') {
    return headers;
  }
  headers.ETag = `W/"${meta.versionId}"`;
  if (meta.lastUpdated) {
    headers['Last-Modified'] = new Date(meta.lastUpdated).toUTCString();
  }
  if (status === 201) {
    headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${meta.versionId}`;
  }
  return headers;
}

/**
 * Creates the request listener.
 * @param {{ router: object, stores: import('./stores.mjs').StoreRegistry, isReady: () => boolean }} deps
 */
export function createRequestListener({ router, stores, isReady }) {
  async function handleFhir(req, res, url, match, entry) {
    const [, storeName, storeId, rawPath = ''] = match;
    const fhirPath = rawPath.replace(/\/+$/, '');
    entry.store = storeId;
    const firstSegment = fhirPath.split('/')[0];
    if (isResourceType(firstSegment)) {
      entry.resourceType = firstSegment;
    } else if (req.method === 'POST' && fhirPath === '') {
      entry.resourceType = 'Bundle';
    } else if (firstSegment !== '' && firstSegment !== 'metadata' && !firstSegment.startsWith('_')) {
      throw new HttpError(400, 'not-supported', `Unknown resource type: ${firstSegment}`);
    }

    const body = parseBody(req, fhirPath, await readBody(req));
    const host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
    const baseUrl = `http://${host}/v1/${storeName}/fhir`;
    const fhirRequest = {
      method: req.method,
      url: fhirPath + searchPart(url),
      pathname: '',
      params: {},
      query: {},
      body,
      headers: req.headers,
      config: { transactions: true, baseUrl },
    };

    const store = stores.get(storeName);
    const isWrite = req.method !== 'GET' && !(req.method === 'POST' && (fhirPath === '_search' || fhirPath.endsWith('/_search')));
    // Transactions run in transaction.mjs because @medplum/fhir-router caps their size. Batches stay with the router.
    const isTransaction = req.method === 'POST' && fhirPath === '' && body?.resourceType === 'Bundle' && body.type === 'transaction';
    if (isTransaction) {
      entry.entryCount = Array.isArray(body.entry) ? body.entry.length : 0;
    }
    const run = isTransaction
      ? () => executeTransaction({ router, repository: store.repository, bundle: body, config: fhirRequest.config })
      : () => router.handleRequest(fhirRequest, store.repository);
    const gate = createGate();
    res.once('close', gate.open);
    const [resultOutcome, resource] = isWrite ? await store.runWrite(gate, run) : await run();

    const status = getStatus(resultOutcome);
    if (resource?.resourceType === 'Bundle' && resource.type?.endsWith('-response')) {
      addEntryVersions(resource);
    }
    send(res, status, resource ?? resultOutcome, resourceHeaders(resource, status, baseUrl));
    return status;
  }

  async function handle(req, res, entry) {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/healthz') {
      entry.skipLog = true;
      const ready = isReady();
      send(res, ready ? 200 : 503, ready ? { status: 'ok' } : outcome('error', 'transient', 'Definitions are loading'));
      return ready ? 200 : 503;
    }
    if (!isReady()) {
      throw new HttpError(503, 'transient', 'The FHIR engine is still loading its definitions; retry shortly');
    }

    const storeMatch = STORE_PATH.exec(url.pathname);
    if (storeMatch && req.method === 'DELETE') {
      const [, project, location, dataset, storeId] = storeMatch;
      entry.store = storeId;
      await stores.delete(`projects/${project}/locations/${location}/datasets/${dataset}/fhirStores/${storeId}`);
      send(res, 200, {}, { 'Content-Type': 'application/json; charset=utf-8' });
      return 200;
    }

    const fhirMatch = FHIR_PATH.exec(url.pathname);
    if (!fhirMatch) {
      throw new HttpError(404, 'not-found', 'Unknown path: expected /v1/projects/P/locations/L/datasets/D/fhirStores/S/fhir/...');
    }
    return handleFhir(req, res, url, fhirMatch, entry);
  }

  return async function onRequest(req, res) {
    const started = performance.now();
    const entry = { method: req.method };
    let status;
    try {
      status = await handle(req, res, entry);
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        send(res, status, err.body);
      } else if (err instanceof OperationOutcomeError) {
        status = getStatus(err.outcome);
        send(res, status, err.outcome);
      } else {
        status = 500;
        log.error('request failed', { ...entry, ...describeError(err) });
        if (!res.headersSent) {
          send(res, 500, outcome('error', 'exception', 'Internal error in the local FHIR engine'));
        }
      }
    }
    if (!entry.skipLog) {
      const { skipLog, ...fields } = entry;
      log.info('request', { ...fields, status, latencyMs: Math.round((performance.now() - started) * 100) / 100 });
    }
  };
}
