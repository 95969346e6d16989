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
 * common query, and identifier serves conditional create (If-None-Exist). _tag separates the
 * smoothed estimates of the smooth-vitals function from raw readings. status narrows the
 * appointment reminder job's search (booked Appointments in the next 24 hours) without a
 * matcher pass over every Appointment in the date range.
 */
const INDEXED_PARAMETERS = {
  subject: 'reference',
  patient: 'reference',
  code: 'token',
  identifier: 'token',
  _tag: 'token',
  status: 'token',
};

/** Indexed parameters by resource type, valid while the type's search parameter table stays the same object. */
const parametersByType = new Map();

/** Returns the indexed parameters that a resource type defines, with their parsed expressions. */
function indexedParametersOf(resourceType) {
  const searchParams = globalSchema.types[resourceType]?.searchParams ?? {};
  const cached = parametersByType.get(resourceType);
  if (cached?.searchParams === searchParams) {
    return cached.parameters;
  }
  const parameters = [];
  for (const [code, type] of Object.entries(INDEXED_PARAMETERS)) {
    const searchParam = searchParams[code];
    if (searchParam?.type === type && searchParam.expression) {
      parameters.push({ code, type, atom: parseExpressionOnce(searchParam.expression) });
    }
  }
  parametersByType.set(resourceType, { searchParams, parameters });
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
function resourceKeys(parameter, typedResource) {
  const typedValues = evalFhirPathTyped(parameter.atom, [typedResource]);
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
 * Per-store index: resourceType → parameter code → key → Set of row positions of the resource
 * table (see resource-table.mjs). Holds exactly the keys of the current version of every
 * resource. Each row's own keys are kept in its indexEntries field, as [code, key] pairs.
 */
export class SearchIndex {
  #byType = new Map();

  /**
   * Indexes the current version of a row's resource. When its keys did not change the index
   * is left as it is.
   */
  add(row) {
    const { resourceType } = row.resource;
    const parameters = indexedParametersOf(resourceType);
    const typedResource = toTypedValue(row.resource);
    const entries = [];
    for (const parameter of parameters) {
      for (const key of resourceKeys(parameter, typedResource)) {
        entries.push([parameter.code, key]);
      }
    }

    const previous = row.indexEntries;
    const unchanged =
      previous?.length === entries.length && previous.every(([code, key], i) => code === entries[i][0] && key === entries[i][1]);
    if (unchanged) {
      return;
    }
    this.remove(row);
    if (entries.length === 0) {
      return;
    }

    let byCode = this.#byType.get(resourceType);
    if (!byCode) {
      byCode = new Map(parameters.map(({ code }) => [code, new Map()]));
      this.#byType.set(resourceType, byCode);
    }
    for (const [code, key] of entries) {
      let positions = byCode.get(code).get(key);
      if (!positions) {
        positions = new Set();
        byCode.get(code).set(key, positions);
      }
      positions.add(row.position);
    }
    row.indexEntries = entries;
  }

  remove(row) {
    const entries = row.indexEntries;
    if (!entries) {
      return;
    }
    const byCode = this.#byType.get(row.resource.resourceType);
    for (const [code, key] of entries) {
      const positions = byCode.get(code).get(key);
      positions.delete(row.position);
      if (positions.size === 0) {
        byCode.get(code).delete(key);
      }
    }
    row.indexEntries = undefined;
  }

  /**
   * Resolves the filters that the index can match exactly: equality filters and their ":not"
   * form, whose matches are the resources outside the equality's matches.
   * @returns {{ required: Set<number>[][], excluded: Set<number>[][], remainingFilters: object[] }}
   *   Each element of required and excluded is a union of position sets. A match must be in
   *   every union of required and in no union of excluded. remainingFilters are the filters the
   *   caller still has to check.
   */
  lookUp(resourceType, filters) {
    const byCode = this.#byType.get(resourceType);
    const required = [];
    const excluded = [];
    const remainingFilters = [];
    for (const filter of filters) {
      const negated = filter.operator === Operator.NOT;
      const union = byCode && (negated || filter.operator === Operator.EQUALS) ? this.#answer(byCode, filter) : undefined;
      if (!union) {
        remainingFilters.push(filter);
      } else if (negated) {
        excluded.push(union);
      } else {
        required.push(union);
      }
    }
    return { required, excluded, remainingFilters };
  }

  /**
   * Returns the position sets whose union matches one filter's value, or undefined when the
   * index cannot resolve the filter exactly. An empty list matches nothing.
   */
  #answer(byCode, filter) {
    const byKey = byCode.get(filter.code);
    if (!byKey || filter.value === '') {
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
    return keys.map((key) => byKey.get(key)).filter((positions) => positions !== undefined);
  }
}

function unionSize(union) {
  let size = 0;
  for (const set of union) {
    size += set.size;
  }
  return size;
}

function unionHas(union, item) {
  for (const set of union) {
    if (set.has(item)) {
      return true;
    }
  }
  return false;
}

/** Returns whether item is in no union of excluded. */
export function isNotExcluded(excluded, item) {
  for (const union of excluded) {
    if (unionHas(union, item)) {
      return false;
    }
  }
  return true;
}

/**
 * Returns the items that are in every union of required and in no union of excluded, walking
 * the union with the fewest items. required must not be empty. The items come in the order of
 * the walked union, so callers that need another order must sort them.
 * @param {Set<number>[][]} required
 * @param {Set<number>[][]} excluded
 * @param {number} typeSize how many resources the type has. A set of that size contains all
 *   of them, so it is not checked (one patient's subject set, for example).
 */
export function intersectUnions(required, excluded, typeSize) {
  const bySize = [...required].sort((a, b) => unionSize(a) - unionSize(b));
  const walked = bySize[0];
  const others = bySize.slice(1).filter((union) => !(union.length === 1 && union[0].size === typeSize));
  const matches = [];
  for (let i = 0; i < walked.length; i++) {
    for (const item of walked[i]) {
      // An item in an earlier set of the walked union was already visited there.
      let visited = false;
      for (let j = 0; j < i && !visited; j++) {
        visited = walked[j].has(item);
      }
      let inOthers = !visited;
      for (let k = 0; k < others.length && inOthers; k++) {
        inOthers = unionHas(others[k], item);
      }
      if (inOthers && isNotExcluded(excluded, item)) {
        matches.push(item);
      }
    }
  }
  return matches;
}
