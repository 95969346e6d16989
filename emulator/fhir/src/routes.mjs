// The FHIR router: @medplum/fhir-router's routes with the search, patch and capabilities
// handlers replaced or added where the Cloud Healthcare API behaves differently.

import { allOk, badRequest } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import { systemSearchHandler, typeSearchHandler } from './search.mjs';

/** Extracts the version id from an If-Match value such as W/"abc" or "abc". */
export function parseIfMatch(value) {
  if (!value) {
    return undefined;
  }
  const quoted = /"([^"]+)"/.exec(value);
  return quoted ? quoted[1] : value.replace(/^W\//, '').trim();
}

/** Handles PATCH [base]/Type/id with a JSON Patch body, honouring If-Match (412 when stale). */
async function patchHandler(req, repo) {
  const { resourceType, id } = req.params;
  if (!Array.isArray(req.body)) {
    return [badRequest('A patch body must be a JSON Patch array')];
  }
  const ifMatch = parseIfMatch(req.headers?.['if-match']);
  const resource = await repo.patchResource(resourceType, id, req.body, { ifMatch });
  return [allOk, resource];
}

/** Handles GET [base]/metadata with a short CapabilityStatement. */
async function capabilitiesHandler() {
  return [
    allOk,
    {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: new Date().toISOString(),
      kind: 'instance',
      software: { name: 'IHEP local FHIR engine (@medplum/fhir-router 4.5.2)' },
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [{ mode: 'server' }],
    },
  ];
}

function replaceHandler(router, method, path, handler) {
  const route = router.router.routes.find(
    (candidate) =>
      candidate.method === method &&
      candidate.path.map((segment) => (segment.param ? ':' : '') + segment.value).join('/') === path
  );
  if (!route) {
    throw new Error(`route ${method} ${path} not found in @medplum/fhir-router`);
  }
  route.handler = handler;
}

/** Creates the router shared by every store; the repository passed per request selects the store. */
export function createRouter() {
  const router = new FhirRouter();
  replaceHandler(router, 'GET', '', systemSearchHandler);
  replaceHandler(router, 'GET', ':resourceType', typeSearchHandler);
  replaceHandler(router, 'POST', ':resourceType/_search', typeSearchHandler);
  replaceHandler(router, 'PATCH', ':resourceType/:id', patchHandler);
  router.add('POST', '_search', systemSearchHandler, 'search-system');
  router.add('GET', 'metadata', capabilitiesHandler, 'operation');
  return router;
}
