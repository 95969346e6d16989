// Sorting for _sort: keys computed once per resource version instead of once per comparison,
// and only the requested prefix of the results put in order.

import {
  convertToSearchableDates,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  evalFhirPathTyped,
  globalSchema,
  toTypedValue,
} from '@medplum/core';
import { UNKNOWN, UNREPRESENTABLE } from './date-column.mjs';
import { parseExpressionOnce } from './expressions.mjs';
import { cachedValue } from './resource-table.mjs';

/**
 * Returns the values of one search parameter of a resource as comparable scalars: numbers
 * for number and quantity parameters, UTC instant strings for dates and lower-case strings
 * for the rest.
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

/** Returns the lowest (or, when descending, the highest) of values, or undefined when there is none. */
function extreme(values, descending) {
  let best;
  for (const value of values) {
    if (best === undefined || (descending ? value > best : value < best)) {
      best = value;
    }
  }
  return best;
}

/** Compares two keys of one sort rule. A missing key (undefined) comes last in either direction. */
function compareSortKey(a, b, descending) {
  if (a === b) {
    return 0;
  }
  if (a === undefined) {
    return 1;
  }
  if (b === undefined) {
    return -1;
  }
  return a < b !== descending ? -1 : 1;
}

/** Compares two key lists rule by rule. Resources without a value come last in either direction. */
export function compareSortKeys(aKeys, bKeys, sortRules) {
  for (let i = 0; i < sortRules.length; i++) {
    const order = compareSortKey(aKeys[i], bKeys[i], Boolean(sortRules[i].descending));
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}

/** Pairs each sort rule with its search parameter, or undefined for a parameter without an expression. */
function resolveRules(resourceType, sortRules) {
  const searchParams = globalSchema.types[resourceType]?.searchParams ?? {};
  return sortRules.map((rule) => ({
    searchParam: searchParams[rule.code]?.expression ? searchParams[rule.code] : undefined,
    descending: Boolean(rule.descending),
  }));
}

/**
 * Sorts resources by sort rules, evaluating every key afresh, and returns the first limit as
 * { resource, sortKeys }. Each key is the lowest of a resource's values for an ascending rule and
 * the highest for a descending one (undefined when it has none). The sort is stable, so resources
 * with equal keys keep their order in resources. This is the reference that sortPositions must match.
 */
export function sortResources(resourceType, resources, sortRules, limit) {
  const rules = resolveRules(resourceType, sortRules);
  const matches = resources.map((resource) => ({
    resource,
    sortKeys: rules.map(({ searchParam, descending }) =>
      searchParam ? extreme(sortValues(searchParam, resource), descending) : undefined
    ),
  }));
  matches.sort((a, b) => compareSortKeys(a.sortKeys, b.sortKeys, sortRules));
  return matches.slice(0, limit);
}

/**
 * Sorts stored resources, given by their row positions, as sortResources sorts the same
 * resources listed in store order, and returns the sorted matches from start to end as
 * { resource, sortKeys }. Keys come from the table's caches, and positions break ties, so the
 * result equals a slice of what sortResources returns.
 * @param {import('./resource-table.mjs').ResourceTable} table
 * @param {number[]} positions in any order; the array may be reordered.
 */
export function sortPositions(table, resourceType, positions, sortRules, start, end) {
  const rules = resolveRules(resourceType, sortRules);
  if (rules.length === 1 && rules[0].searchParam?.type === 'date') {
    const sorted = sortByDateColumn(table, positions, rules[0], start, end);
    if (sorted) {
      return sorted;
    }
  }

  const entries = positions.map((position) => ({
    position,
    keys: rules.map((rule) => (rule.searchParam ? sortKey(table, position, rule) : undefined)),
  }));
  const compare = (a, b) => compareSortKeys(a.keys, b.keys, sortRules) || a.position - b.position;
  return sortedPrefix(entries, compare, end)
    .slice(start)
    .map(({ position, keys }) => ({ resource: table.rowAt(position).resource, sortKeys: keys }));
}

/** Returns one sort key of the resource at position, as sortResources computes it, from the table's caches. */
function sortKey(table, position, { searchParam, descending }) {
  const row = table.rowAt(position);
  if (searchParam.type !== 'date') {
    return extreme(cachedValue(row, searchParam, sortValues), descending);
  }
  const column = table.dateColumn(searchParam);
  let state = column.state[position];
  if (state === UNKNOWN) {
    state = column.evaluate(position, row.resource);
  }
  if (state === UNREPRESENTABLE) {
    return extreme(sortValues(searchParam, row.resource), descending);
  }
  const key = descending ? column.highest[position] : column.lowest[position];
  return Number.isNaN(key) ? undefined : new Date(key).toISOString();
}

/**
 * Sorts by one date parameter on the table's date column, comparing numbers in typed arrays,
 * so that a comparison reads no resource, and returns the matches from start to end. Returns
 * undefined when a resource has a date that the column cannot hold, for the caller's general sort.
 */
function sortByDateColumn(table, positions, { searchParam, descending }, start, end) {
  const column = table.dateColumn(searchParam);
  const count = positions.length;
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const position = positions[i];
    let state = column.state[position];
    if (state === UNKNOWN) {
      state = column.evaluate(position, table.rowAt(position).resource);
    }
    if (state === UNREPRESENTABLE) {
      return undefined;
    }
    keys[i] = descending ? column.highest[position] : column.lowest[position];
  }

  // Readings are mostly stored in time order, so for a descending sort the candidates are fed
  // newest first. That changes only how much work the heap in sortedPrefix does.
  const order = new Array(count);
  for (let i = 0; i < count; i++) {
    order[i] = descending ? count - 1 - i : i;
  }
  const compare = (a, b) => {
    const keyA = keys[a];
    const keyB = keys[b];
    const missingA = Number.isNaN(keyA);
    const missingB = Number.isNaN(keyB);
    if (keyA === keyB || (missingA && missingB)) {
      return positions[a] - positions[b];
    }
    if (missingA || missingB) {
      return missingA ? 1 : -1;
    }
    return keyA < keyB !== descending ? -1 : 1;
  };

  return sortedPrefix(order, compare, end)
    .slice(start)
    .map((i) => ({
      resource: table.rowAt(positions[i]).resource,
      sortKeys: [Number.isNaN(keys[i]) ? undefined : new Date(keys[i]).toISOString()],
    }));
}

/**
 * Returns the first limit items of items in the order of compare, which must be a total order.
 * A short prefix of many items is selected with a heap of limit items (n log limit comparisons)
 * instead of sorting them all. items may be reordered.
 */
export function sortedPrefix(items, compare, limit) {
  if (limit <= 0) {
    return [];
  }
  if (limit * 2 >= items.length) {
    items.sort(compare);
    return items.length > limit ? items.slice(0, limit) : items;
  }

  // A max-heap: its root is the last of the limit items kept so far.
  const heap = items.slice(0, limit);
  for (let i = Math.floor(limit / 2) - 1; i >= 0; i--) {
    siftDown(heap, i, compare);
  }
  for (let i = limit; i < items.length; i++) {
    if (compare(items[i], heap[0]) < 0) {
      heap[0] = items[i];
      siftDown(heap, 0, compare);
    }
  }
  return heap.sort(compare);
}

function siftDown(heap, start, compare) {
  const item = heap[start];
  let index = start;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= heap.length) {
      break;
    }
    if (child + 1 < heap.length && compare(heap[child + 1], heap[child]) > 0) {
      child++;
    }
    if (compare(heap[child], item) <= 0) {
      break;
    }
    heap[index] = heap[child];
    index = child;
  }
  heap[index] = item;
}
