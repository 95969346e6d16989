// Sort keys for _sort, computed once per matched resource instead of once per comparison.

import {
  convertToSearchableDates,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  evalFhirPathTyped,
  globalSchema,
  toTypedValue,
} from '@medplum/core';
import { parseExpressionOnce } from './expressions.mjs';

/**
 * Returns the values of one search parameter of a resource as comparable scalars:
 * numbers for number and quantity parameters, UTC instant strings for dates and
 * lower-case strings for the rest.
 */
function sortValues(searchParam, resource) {
  const typedValues = evalFhirPathTyped(parseExpressionOnce(searchParam.expression), [toTypedValue(resource)]);
  switch (searchParam.type) {
    case 'date':
      return convertToSearchableDates(typedValues)
        .map((period) => period.start ?? period.end)
        .filter(Boolean);
    case 'number':
      return typedValues.map(({ value }) => value).filter((value) => typeof value === 'number');
    case 'quantity':
      return typedValues
        .map(({ value }) => (typeof value === 'number' ? value : value?.value))
        .filter((value) => typeof value === 'number');
    case 'string':
    case 'uri':
      return convertToSearchableStrings(typedValues).map((value) => value.toLowerCase());
    case 'token':
      return convertToSearchableTokens(typedValues)
        .map((token) => token.value?.toLowerCase())
        .filter(Boolean);
    case 'reference':
      return convertToSearchableReferences(typedValues);
    default:
      return typedValues.map(({ value }) => JSON.stringify(value));
  }
}

/**
 * Sort values per stored resource version and parameter code. Stored versions are never
 * modified (a write stores a new object), so an entry stays valid for the object's lifetime.
 */
const cachedSortValues = new WeakMap();

function sortValuesOnce(searchParam, resource) {
  let byCode = cachedSortValues.get(resource);
  if (!byCode) {
    byCode = new Map();
    cachedSortValues.set(resource, byCode);
  }
  let values = byCode.get(searchParam.code);
  if (!values) {
    values = sortValues(searchParam, resource);
    byCode.set(searchParam.code, values);
  }
  return values;
}

/**
 * Computes one key per sort rule: the lowest of a resource's values for an ascending rule and
 * the highest for a descending one. A missing value is undefined.
 * resource must be a stored version, which is never modified.
 */
export function computeSortKeys(resource, sortRules) {
  const searchParams = globalSchema.types[resource.resourceType]?.searchParams ?? {};
  return sortRules.map((rule) => {
    const searchParam = searchParams[rule.code];
    if (!searchParam?.expression) {
      return undefined;
    }
    const values = sortValuesOnce(searchParam, resource);
    if (values.length === 0) {
      return undefined;
    }
    return values.reduce((best, value) => ((rule.descending ? value > best : value < best) ? value : best));
  });
}

/** Compares two key lists rule by rule. Resources without a value come last in either direction. */
export function compareSortKeys(aKeys, bKeys, sortRules) {
  for (let i = 0; i < sortRules.length; i++) {
    const a = aKeys[i];
    const b = bKeys[i];
    if (a === b) {
      continue;
    }
    if (a === undefined) {
      return 1;
    }
    if (b === undefined) {
      return -1;
    }
    const order = a < b ? -1 : 1;
    return sortRules[i].descending ? -order : order;
  }
  return 0;
}
