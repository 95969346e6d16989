// Transaction Bundles (POST [base] with Bundle.type "transaction"), run by the engine itself.
// @medplum/fhir-router 4.5.2 rejects a transaction with more than 50 updates. It also rejects
// one with more than 8 entries when any entry is conditional. The Go functions send hundreds.

import { OperationOutcomeError, allOk, badRequest, getStatus, isOk, isResourceType } from '@medplum/core';
import { Placeholders } from './placeholders.mjs';

/**
 * Maximum number of entries in one transaction. This is the engine's own sanity cap, not a
 * documented Healthcare API limit. The 10 MiB body limit usually binds first.
 */
export const MAX_TRANSACTION_ENTRIES = 5000;

/** Processing order of FHIR R4's transaction rules: deletes, creates, updates and patches, reads. */
const METHOD_ORDER = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/**
 * Runs every entry of a transaction Bundle through the router, all or nothing, and returns
 * [outcome, transaction-response Bundle] like router.handleRequest. The caller must hold the
 * store's write queue.
 *
 * Throws OperationOutcomeError with the failing entry's status when an entry fails. By then the
 * transaction's writes are rolled back and none of its change notifications have been queued.
 * @param {{ router: object, repository: import('./repository.mjs').StoreRepository,
 *   bundle: object, config: object }} request config is the router request config that
 *   http.mjs builds (baseUrl and transactions), passed on to every entry.
 */
export async function executeTransaction({ router, repository, bundle, config }) {
  const plans = planEntries(bundle.entry);
  const order = [...plans].sort((a, b) => METHOD_ORDER[a.method] - METHOD_ORDER[b.method] || a.index - b.index);
  const placeholders = new Placeholders(plans);

  const responses = await repository.withTransaction(async () => {
    if (!placeholders.isEmpty) {
      await placeholders.predict(order, repository);
    }
    const results = new Array(plans.length);
    for (const plan of order) {
      results[plan.index] = await runEntry(plan, { router, repository, config, placeholders });
    }
    return results;
  });
  return [allOk, { resourceType: 'Bundle', type: 'transaction-response', entry: responses }];
}

/** Checks every entry before any runs, and returns what each one does. */
function planEntries(entries) {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new OperationOutcomeError(badRequest('Missing bundle entries'));
  }
  if (entries.length > MAX_TRANSACTION_ENTRIES) {
    throw new OperationOutcomeError(
      badRequest(
        `Transaction has ${entries.length} entries, but the local FHIR engine accepts at most ${MAX_TRANSACTION_ENTRIES}. ` +
          'Split it into several transactions.'
      )
    );
  }
  return entries.map((entry, index) => {
    try {
      return planEntry(entry, index);
    } catch (err) {
      throw err instanceof OperationOutcomeError ? new OperationOutcomeError(entryFailure(index, undefined, err.outcome)) : err;
    }
  });
}

function planEntry(entry, index) {
  const request = entry?.request;
  const method = request?.method;
  const field = `Bundle.entry[${index}]`;
  if (!Object.hasOwn(METHOD_ORDER, method)) {
    const text = 'request.method must be one of GET, HEAD, POST, PUT, PATCH or DELETE';
    throw new OperationOutcomeError(badRequest(text, `${field}.request.method`));
  }
  if (typeof request.url !== 'string' || request.url === '') {
    throw new OperationOutcomeError(badRequest('request.url is missing', `${field}.request.url`));
  }

  const url = request.url.replace(/^\/+/, '');
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const [resourceType, id] = path.split('/');
  const isRead = method === 'GET' || method === 'HEAD';
  // The same check the single-resource routes make before the router runs, see http.mjs.
  const isSystemRead = isRead && (resourceType === '' || resourceType === 'metadata' || resourceType.startsWith('_'));
  if (!isResourceType(resourceType) && !isSystemRead) {
    throw new OperationOutcomeError(badRequest('request.url must start with a resource type', `${field}.request.url`));
  }
  const needsResource = method === 'POST' || method === 'PUT' || method === 'PATCH';
  if (needsResource && (entry.resource === null || typeof entry.resource !== 'object')) {
    throw new OperationOutcomeError(badRequest(`resource is missing from a ${method} entry`, `${field}.resource`));
  }

  let condition;
  if (method === 'POST' && request.ifNoneExist) {
    condition = request.ifNoneExist;
  } else if (queryStart !== -1 && !isRead && !id) {
    condition = url.slice(queryStart + 1);
  }
  return { index, method, url, resourceType, id, condition, fullUrl: entry.fullUrl, entry, createId: undefined };
}

/** Runs one entry through the router and returns its response entry. Throws when the entry fails. */
async function runEntry(plan, { router, repository, config, placeholders }) {
  let outcome;
  let resource;
  try {
    const fhirRequest = buildRequest(plan, config, placeholders);
    [outcome, resource] = await repository.withCreateId(plan.createId, () => router.handleRequest(fhirRequest, repository));
    if (isOk(outcome)) {
      placeholders.resolved(plan, resource);
    }
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    outcome = err.outcome;
  }
  if (!isOk(outcome)) {
    throw new OperationOutcomeError(entryFailure(plan.index, plan, outcome));
  }

  // The shape of @medplum/fhir-router 4.5.2's bundle responses. http.mjs adds etag and lastModified.
  const response = {
    outcome,
    status: String(getStatus(outcome)),
    location: resource?.id ? `${resource.resourceType}/${resource.id}` : undefined,
  };
  return plan.method === 'HEAD' || !resource ? { response } : { response, resource };
}

/** Builds the router request for an entry, as http.mjs builds one for a single HTTP request. */
function buildRequest(plan, config, placeholders) {
  const { entry, index, method } = plan;
  const rewrite = (value) => (placeholders.isEmpty ? value : placeholders.rewrite(value, index));
  const headers = Object.create(null);
  if (entry.request.ifNoneExist) {
    headers['if-none-exist'] = rewrite(entry.request.ifNoneExist);
  }
  if (entry.request.ifMatch) {
    headers['if-match'] = entry.request.ifMatch;
  }
  return {
    method: method === 'HEAD' ? 'GET' : method,
    url: rewrite(plan.url),
    pathname: '',
    params: {},
    query: {},
    body: method === 'PATCH' ? rewrite(decodePatch(entry.resource)) : rewrite(entry.resource),
    headers,
    config,
  };
}

/** Decodes a PATCH entry's JSON Patch, which FHIR carries base64-encoded in a Binary resource. */
function decodePatch(resource) {
  if (resource.resourceType !== 'Binary' || typeof resource.data !== 'string') {
    throw new OperationOutcomeError(badRequest('A PATCH entry needs a Binary resource whose data is a base64 JSON Patch'));
  }
  let patch;
  try {
    patch = JSON.parse(Buffer.from(resource.data, 'base64').toString('utf8'));
  } catch {
    throw new OperationOutcomeError(badRequest('The Binary data of a PATCH entry is not valid JSON'));
  }
  if (!Array.isArray(patch)) {
    throw new OperationOutcomeError(badRequest('The Binary data of a PATCH entry must be a JSON Patch array'));
  }
  return patch;
}

/**
 * Builds the response to a failed transaction: the entry's outcome, with the entry's index in
 * the first issue. plan is undefined when the entry was found invalid before any entry ran.
 * The entry's URL is left out because a conditional URL carries search values.
 */
function entryFailure(index, plan, outcome) {
  const [first = { severity: 'error', code: 'processing' }, ...rest] = outcome.issue ?? [];
  const status = getStatus(outcome);
  const diagnostics = plan
    ? `Bundle.entry[${index}] (${plan.method} ${plan.resourceType || '[base]'}) failed with status ${status}. ` +
      'The transaction was rolled back and none of its entries were stored.'
    : `Bundle.entry[${index}] is invalid (status ${status}), so no entry of the transaction was run.`;
  return {
    ...outcome,
    issue: [{ ...first, diagnostics, expression: first.expression ?? [`Bundle.entry[${index}]`] }, ...rest],
  };
}
