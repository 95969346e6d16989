// Exact-match indexes for the search parameters most searches use, so a search scans only
// the resources that can match instead of every resource of the type.

import {
  Operator,
  convertToSearchableReferences,
  convertToSearchableTokens,
  evalFhirPathTyped,
  globalSchema,
  splitSearchOnComma,
  toTypedValue,
} from '@medplum/core';
import { parseExpressionOnce } from './expressions.mjs';

/**
 * Indexed search parameters and their types. Observations by patient and code are the
 * common query; identifier serves conditional create (If-None-Exist).
 */
const INDEXED_PARAMETERS = { subject: 'reference', patient: 'reference', code: 'token', identifier: 'token' };

/** Returns the indexed parameters that a resource type defines, with their parsed expressions. */
function indexedParametersOf(resourceType) {
  const searchParams = globalSchema.types[resourceType]?.searchParams ?? {};
  const parameters = [];
  for (const [code, type] of Object.entries(INDEXED_PARAMETERS)) {
    const searchParam = searchParams[code];
    if (searchParam?.type === type && searchParam.expression) {
      parameters.push({ code, type, atom: parseExpressionOnce(searchParam.expression) });
    }
  }
  return parameters;
}

/**
 * Returns the index keys of a resource for one parameter.
 *
 * A filter value matches a resource exactly when their keys meet. The rules are those of
 * @medplum/core 4.5.2's matcher (matchesReferenceFilter and matchesTokenValue). References
 * compare as whole strings. Tokens compare case-insensitively as "code", "system|code" or
 * "|code", the last for a token without a system.
 */
function resourceKeys(parameter, resource) {
  const typedValues = evalFhirPathTyped(parameter.atom, [toTypedValue(resource)]);
  if (parameter.type === 'reference') {
    return convertToSearchableReferences(typedValues).map((reference) => 'r:' + reference);
  }

  const keys = new Set();
  for (const token of convertToSearchableTokens(typedValues)) {
    const value = token.value?.toLowerCase();
    if (!value) {
      continue;
    }
    keys.add('v:' + value);
    if (token.system) {
      keys.add('s:' + token.system.toLowerCase() + '|' + value);
    } else {
      keys.add('n:' + value);
    }
  }
  return [...keys];
}

/**
 * Returns the index key for one comma-separated part of a filter value, null when the part
 * can match nothing, or undefined when the index cannot resolve it (for example "system|").
 */
function filterKey(type, part) {
  if (type === 'reference') {
    return 'r:' + part;
  }
  if (part === '') {
    return undefined;
  }
  if (!part.includes('|')) {
    return 'v:' + part.toLowerCase();
  }
  const [system, value] = part.split('|').map((s) => s.toLowerCase());
  if (!system && !value) {
    return null;
  }
  if (!system) {
    return 'n:' + value;
  }
  return value ? 's:' + system + '|' + value : undefined;
}

/**
 * Per-store index: resourceType → parameter code → key → Set of ids.
 * Holds exactly the keys of the current version of every resource.
 */
export class SearchIndex {
  #byType = new Map();
  /** "Type/id" → the [code, key] pairs stored for that resource. */
  #entriesByResource = new Map();

  /**
   * Indexes the current version of a resource. When its keys did not change the index is
   * left as it is, so the resource keeps its place in index order.
   */
  add(resource) {
    const { resourceType, id } = resource;
    const parameters = indexedParametersOf(resourceType);
    const entries = [];
    for (const parameter of parameters) {
      for (const key of resourceKeys(parameter, resource)) {
        entries.push([parameter.code, key]);
      }
    }

    const resourceKey = `${resourceType}/${id}`;
    const previous = this.#entriesByResource.get(resourceKey);
    const unchanged =
      previous?.length === entries.length && previous.every(([code, key], i) => code === entries[i][0] && key === entries[i][1]);
    if (unchanged) {
      return;
    }
    this.remove(resourceType, id);
    if (entries.length === 0) {
      return;
    }

    let byCode = this.#byType.get(resourceType);
    if (!byCode) {
      byCode = new Map(parameters.map(({ code }) => [code, new Map()]));
      this.#byType.set(resourceType, byCode);
    }
    for (const [code, key] of entries) {
      let ids = byCode.get(code).get(key);
      if (!ids) {
        ids = new Set();
        byCode.get(code).set(key, ids);
      }
      ids.add(id);
    }
    this.#entriesByResource.set(resourceKey, entries);
  }

  remove(resourceType, id) {
    const resourceKey = `${resourceType}/${id}`;
    const entries = this.#entriesByResource.get(resourceKey);
    if (!entries) {
      return;
    }
    const byCode = this.#byType.get(resourceType);
    for (const [code, key] of entries) {
      const ids = byCode.get(code).get(key);
      ids.delete(id);
      if (ids.size === 0) {
        byCode.get(code).delete(key);
      }
    }
    this.#entriesByResource.delete(resourceKey);
  }

  /**
   * Resolves the filters that the index can match exactly.
   * @returns {{ ids: string[] | undefined, remainingFilters: object[] }} ids is undefined
   *   when no filter could be resolved, so the caller must scan every resource of the type.
   *   remainingFilters are the filters the caller still has to check.
   */
  lookUp(resourceType, filters) {
    const byCode = this.#byType.get(resourceType);
    const idSets = [];
    const remainingFilters = [];
    for (const filter of filters) {
      const idSet = byCode ? this.#answer(byCode, filter) : undefined;
      if (idSet) {
        idSets.push(idSet);
      } else {
        remainingFilters.push(filter);
      }
    }
    if (idSets.length === 0) {
      return { ids: undefined, remainingFilters };
    }

    idSets.sort((a, b) => a.size - b.size);
    const [smallest, ...others] = idSets;
    const ids = [];
    for (const id of smallest) {
      if (others.every((set) => set.has(id))) {
        ids.push(id);
      }
    }
    return { ids, remainingFilters };
  }

  /** Returns the ids matching one filter, or undefined when the index cannot resolve it exactly. */
  #answer(byCode, filter) {
    const byKey = byCode.get(filter.code);
    if (!byKey || filter.operator !== Operator.EQUALS || filter.value === '') {
      return undefined;
    }
    const type = INDEXED_PARAMETERS[filter.code];
    const keys = [];
    for (const part of splitSearchOnComma(filter.value)) {
      const key = filterKey(type, part);
      if (key === undefined) {
        return undefined;
      }
      if (key !== null) {
        keys.push(key);
      }
    }
    if (keys.length === 1) {
      return byKey.get(keys[0]) ?? new Set();
    }
    const ids = new Set();
    for (const key of keys) {
      for (const id of byKey.get(key) ?? []) {
        ids.add(id);
      }
    }
    return ids;
  }
}
