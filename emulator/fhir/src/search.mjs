// FHIR search handlers with the Cloud Healthcare API's conventions: Google's own query
// parameters dropped, unknown parameters ignored unless "Prefer: handling=strict", at most
// 1000 results a page (100 by default), and _page_token paging with absolute links.

import {
  OperationOutcomeError,
  allOk,
  badRequest,
  convertToSearchableReferences,
  evalFhirPathTyped,
  globalSchema,
  isResourceType,
  parseSearchRequest,
  toTypedValue,
} from '@medplum/core';
import { parseExpressionOnce } from './expressions.mjs';
import { compareSortKeys } from './sort.mjs';

/** Standard query parameters of Google APIs; they configure the response, not the search. */
export const GOOGLE_SYSTEM_PARAMETERS = new Set([
  '$.xgafv',
  'access_token',
  'alt',
  'callback',
  'fields',
  'key',
  'oauth_token',
  'prettyPrint',
  'quotaUser',
  'upload_protocol',
  'uploadType',
]);

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Result parameters handled here or by the engine; other names starting with "_" must be search parameters. */
const RESULT_PARAMETERS = new Set(['_sort', '_count', '_include', '_revinclude', '_elements', '_summary', '_type']);
/** Accepted and ignored: they only shape the response in ways this engine does anyway. */
const IGNORED_PARAMETERS = new Set(['_total', '_format', '_pretty']);

function badRequestError(message) {
  return new OperationOutcomeError(badRequest(message));
}

export function encodePageToken(offset) {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

export function decodePageToken(token) {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(offset) && offset >= 0) {
      return offset;
    }
  } catch {
    // Reported below.
  }
  throw badRequestError('Invalid _page_token: use the token from a "next" link unchanged');
}

/** Lists query and form-body parameters as [name, value] pairs, keeping repeated names. */
function parameterPairs(...records) {
  const pairs = [];
  for (const record of records) {
    if (!record || typeof record !== 'object') {
      continue;
    }
    for (const [name, value] of Object.entries(record)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        pairs.push([name, item ?? '']);
      }
    }
  }
  return pairs;
}

function isStrict(headers) {
  const prefer = headers?.prefer;
  return typeof prefer === 'string' && /(^|[;,\s])handling=strict\b/.test(prefer);
}

/**
 * Splits request parameters into the ones kept for a search of resourceType, in request order,
 * and the page token. Unknown parameters are dropped, or rejected when strict is set.
 */
function classifyParameters(pairs, resourceType, strict) {
  const searchParams = globalSchema.types[resourceType]?.searchParams ?? {};
  const keptParameters = [];
  let pageToken;
  for (const [name, value] of pairs) {
    const code = name.split(':')[0];
    if (GOOGLE_SYSTEM_PARAMETERS.has(name) || IGNORED_PARAMETERS.has(name) || name === 'resourceType') {
      continue;
    }
    if (name === '_page_token') {
      pageToken = value;
    } else if (code === '_has' || name.includes('.')) {
      throw badRequestError(`Chained and _has searches are not supported by the local FHIR engine: ${name}`);
    } else if (RESULT_PARAMETERS.has(code) || searchParams[code]) {
      keptParameters.push([name, value]);
    } else if (strict) {
      throw badRequestError(`Unknown search parameter for ${resourceType}: ${name}`);
    }
  }
  return { keptParameters, pageToken };
}

function parsePageSize(keptParameters) {
  const values = keptParameters.filter(([name]) => name === '_count').map(([, value]) => value);
  if (values.length === 0) {
    return DEFAULT_PAGE_SIZE;
  }
  const text = values[values.length - 1];
  if (!/^\d+$/.test(text)) {
    throw badRequestError(`Invalid _count: expected a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return Math.min(Number(text), MAX_PAGE_SIZE);
}

function toSearchRequest(resourceType, keptParameters) {
  const record = {};
  for (const [name, value] of keptParameters) {
    if (name === '_count' || name === '_type' || name === '_include' || name === '_revinclude') {
      continue;
    }
    record[name] = name in record ? [record[name], value].flat() : value;
  }
  const searchRequest = parseSearchRequest(resourceType, record);
  if (searchRequest.summary) {
    throw badRequestError(`_summary=${searchRequest.summary} is not supported by the local FHIR engine; only _summary=count is`);
  }
  return searchRequest;
}

/** Parses "Type:param" for _include and _revinclude; only reference parameters qualify. */
function parseIncludeTargets(keptParameters, name) {
  return keptParameters
    .filter(([key]) => key === name || key.startsWith(name + ':'))
    .map(([key, value]) => {
      if (key !== name) {
        throw badRequestError(`${key} is not supported by the local FHIR engine; use ${name} without a modifier`);
      }
      const [resourceType, code, targetType] = value.split(':');
      const searchParam = globalSchema.types[resourceType]?.searchParams?.[code];
      if (!isResourceType(resourceType) || searchParam?.type !== 'reference') {
        throw badRequestError(`Invalid ${name}: expected ResourceType:referenceParameter, got "${value}"`);
      }
      return { resourceType, code, targetType, searchParam };
    });
}

/** Keeps only the top-level elements that _elements lists, and marks the copy SUBSETTED. */
function applyElements(resource, elements) {
  if (!elements) {
    return resource;
  }
  const subset = { resourceType: resource.resourceType, id: resource.id, meta: { ...resource.meta } };
  for (const element of elements) {
    if (element in resource) {
      subset[element] = resource[element];
    }
  }
  subset.meta.tag = [
    ...(subset.meta.tag ?? []),
    { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' },
  ];
  return subset;
}

/** Finds the resources that _include and _revinclude add to a page. */
function findIncludes(repo, page, includes, revIncludes) {
  const included = new Map();
  const inPage = new Set(page.map(({ resource }) => `${resource.resourceType}/${resource.id}`));
  const add = (resource) => {
    const key = `${resource.resourceType}/${resource.id}`;
    if (!inPage.has(key) && !included.has(key)) {
      included.set(key, resource);
    }
  };

  for (const { resourceType, searchParam, targetType } of includes) {
    const atom = parseExpressionOnce(searchParam.expression);
    for (const { resource } of page) {
      if (resource.resourceType !== resourceType) {
        continue;
      }
      for (const reference of convertToSearchableReferences(evalFhirPathTyped(atom, [toTypedValue(resource)]))) {
        const [type, id] = reference.split('/');
        const target = id && (!targetType || type === targetType) ? repo.peek(type, id) : undefined;
        if (target) {
          add(target);
        }
      }
    }
  }

  for (const { resourceType, code, targetType } of revIncludes) {
    const references = page
      .filter(({ resource }) => !targetType || resource.resourceType === targetType)
      .map(({ resource }) => `${resource.resourceType}/${resource.id}`);
    if (references.length > 0) {
      const request = parseSearchRequest(resourceType, { [code]: references.join(',') });
      for (const { resource } of repo.findMatches(request)) {
        add(resource);
      }
    }
  }
  return [...included.values()];
}

function pageUrl(baseUrl, resourceType, keptParameters, offset) {
  const query = new URLSearchParams(keptParameters);
  if (offset > 0) {
    query.append('_page_token', encodePageToken(offset));
  }
  const path = resourceType ? `${baseUrl}/${resourceType}/` : `${baseUrl}/`;
  return `${path}?${query}`;
}

/**
 * Runs a search over one or more resource types and renders one page as a searchset Bundle
 * with Google-style links: search, first and self, plus next when more results follow.
 */
function searchTypes(req, repo, resourceTypes, linkType) {
  const strict = isStrict(req.headers);
  const pairs = parameterPairs(req.query, req.body);

  let matches = [];
  let total = 0;
  let sortRules = [];
  let linkParameters;
  let offset = 0;
  let pageSize = DEFAULT_PAGE_SIZE;
  let elements;
  const includes = [];
  const revIncludes = [];
  for (const resourceType of resourceTypes) {
    const classified = classifyParameters(pairs, resourceType, strict);
    const searchRequest = toSearchRequest(resourceType, classified.keptParameters);
    sortRules = searchRequest.sortRules ?? [];
    elements = searchRequest.fields;
    pageSize = searchRequest.count === 0 ? 0 : parsePageSize(classified.keptParameters);
    offset = classified.pageToken === undefined ? 0 : decodePageToken(classified.pageToken);
    // Across types, the page is cut from the merged matches: each type's first offset + pageSize
    // matches contain every one of the page's.
    const found =
      resourceTypes.length === 1
        ? repo.findPage(searchRequest, offset, pageSize)
        : repo.findPage(searchRequest, 0, offset + pageSize);
    matches = matches.concat(found.matches);
    total += found.total;
    includes.push(...parseIncludeTargets(classified.keptParameters, '_include'));
    revIncludes.push(...parseIncludeTargets(classified.keptParameters, '_revinclude'));
    linkParameters ??= classified.keptParameters;
  }
  let page = matches;
  if (resourceTypes.length > 1) {
    if (sortRules.length > 0) {
      matches.sort((a, b) => compareSortKeys(a.sortKeys, b.sortKeys, sortRules));
    }
    page = matches.slice(offset, offset + pageSize);
  }
  const baseUrl = req.config?.baseUrl ?? '';
  const links = [
    { relation: 'search', url: pageUrl(baseUrl, linkType, linkParameters ?? [], 0) },
    { relation: 'first', url: pageUrl(baseUrl, linkType, linkParameters ?? [], 0) },
    { relation: 'self', url: pageUrl(baseUrl, linkType, linkParameters ?? [], offset) },
  ];
  if (pageSize > 0 && offset + pageSize < total) {
    links.push({ relation: 'next', url: pageUrl(baseUrl, linkType, linkParameters ?? [], offset + pageSize) });
  }

  // Entries refer to the stored versions without copying them: a write stores a new object and
  // never modifies a stored one, and the bundle is only serialized.
  const toEntry = (resource, mode) => ({
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
    resource: applyElements(resource, elements),
    search: { mode },
  });
  const entry = [
    ...page.map(({ resource }) => toEntry(resource, 'match')),
    ...findIncludes(repo, page, includes, revIncludes).map((resource) => toEntry(resource, 'include')),
  ];
  const bundle = { resourceType: 'Bundle', type: 'searchset', total, link: links };
  if (entry.length > 0) {
    bundle.entry = entry;
  }
  return bundle;
}

function requireResourceType(resourceType) {
  if (!isResourceType(resourceType)) {
    throw badRequestError(`Unknown resource type: ${resourceType}`);
  }
  return resourceType;
}

/** Handles GET [base]/Type and POST [base]/Type/_search. */
export async function typeSearchHandler(req, repo) {
  const resourceType = requireResourceType(req.params.resourceType);
  return [allOk, searchTypes(req, repo, [resourceType], resourceType)];
}

/**
 * Handles GET [base] and POST [base]/_search. A resourceType parameter, which the Go client's
 * Search().ResourceType() sends, makes it a type search. Otherwise _type lists the types.
 * Without either, every type that has resources in the store is searched.
 */
export async function systemSearchHandler(req, repo) {
  const pairs = parameterPairs(req.query, req.body);
  const resourceTypeParameter = pairs.find(([name]) => name === 'resourceType')?.[1];
  if (resourceTypeParameter) {
    const resourceType = requireResourceType(resourceTypeParameter);
    return [allOk, searchTypes(req, repo, [resourceType], resourceType)];
  }

  const typeLists = pairs.filter(([name]) => name === '_type').map(([, value]) => value);
  const resourceTypes =
    typeLists.length > 0
      ? [...new Set(typeLists.flatMap((list) => list.split(',')).filter(Boolean))].map(requireResourceType)
      : repo.storedTypes();
  return [allOk, searchTypes(req, repo, resourceTypes, '')];
}
