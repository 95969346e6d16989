// Checks for the filters that the exact index leaves, compiled once per search. Date filters
// compare against the store's date columns. The other filters go to @medplum/core's matcher,
// which evaluates FHIRPath on every call (about 15 µs a resource).

import { Operator, matchesSearchRequest, splitSearchOnComma, toPeriod } from '@medplum/core';
import { LIST, SINGLE, UNKNOWN, instantToNumber } from './date-column.mjs';

/**
 * Tests of one resource period against one filter period, by operator, on the numbers of
 * date-column.mjs. The rules are those of @medplum/core 4.5.2's matchesDateValue: "eq", "ne"
 * and "ap" test overlap (the caller negates ne), and the other prefixes compare one bound each.
 */
const PERIOD_TESTS = {
  [Operator.EQUALS]: (start, end, filter) => start < filter.end && end > filter.start,
  [Operator.NOT_EQUALS]: (start, end, filter) => start < filter.end && end > filter.start,
  [Operator.APPROXIMATELY]: (start, end, filter) => start < filter.end && end > filter.start,
  [Operator.LESS_THAN]: (start, end, filter) => start < filter.start,
  [Operator.GREATER_THAN]: (start, end, filter) => end > filter.end,
  [Operator.LESS_THAN_OR_EQUALS]: (start, end, filter) => start <= filter.end,
  [Operator.GREATER_THAN_OR_EQUALS]: (start, end, filter) => end >= filter.start,
  [Operator.STARTS_AFTER]: (start, end, filter) => start > filter.end,
  [Operator.ENDS_BEFORE]: (start, end, filter) => end < filter.start,
};

/**
 * Compiles a date filter into a test of a resource's periods, given as a list
 * [start0, end0, start1, end1, ...]. Returns undefined when the matcher must check the filter:
 * for missing, present and the non-date prefixes, and for a value outside the years 0 to 9999.
 * The filter's value must have passed the repository's date check, so that toPeriod does not
 * throw on it.
 */
function compileDateFilter(filter) {
  const testPeriod = PERIOD_TESTS[filter.operator];
  if (!testPeriod) {
    return undefined;
  }
  const filterPeriods = [];
  for (const value of splitSearchOnComma(filter.value)) {
    const period = toPeriod(value);
    // The matcher skips a value that toPeriod does not convert.
    if (!period) {
      continue;
    }
    const start = instantToNumber(period.start);
    const end = instantToNumber(period.end);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      return undefined;
    }
    filterPeriods.push({ start, end });
  }
  const negated = filter.operator === Operator.NOT_EQUALS;

  return (bounds) => {
    for (let i = 0; i < bounds.length; i += 2) {
      for (const filterPeriod of filterPeriods) {
        if (testPeriod(bounds[i], bounds[i + 1], filterPeriod)) {
          return !negated;
        }
      }
    }
    return negated;
  };
}

/**
 * Returns a check of positions for adjacent date filters on one parameter. A resource whose
 * dates the column cannot hold goes to the matcher with the same filters.
 */
function dateCheck(table, resourceType, searchParam, filters, tests) {
  const column = table.dateColumn(searchParam);
  const request = { resourceType, filters };
  // One period is the common case, so one reused list saves an array per resource.
  const single = [0, 0];
  return (position) => {
    let state = column.state[position];
    if (state === UNKNOWN) {
      state = column.evaluate(position, table.rowAt(position).resource);
    }
    let bounds;
    if (state === SINGLE) {
      single[0] = column.start[position];
      single[1] = column.end[position];
      bounds = single;
    } else if (state === LIST) {
      bounds = column.lists.get(position);
    } else {
      return matchesSearchRequest(table.rowAt(position).resource, request);
    }
    for (const test of tests) {
      if (!test(bounds)) {
        return false;
      }
    }
    return true;
  };
}

/**
 * Compiles filters into one check of a row position, which applies them in request order and
 * stops at the first that fails, as matchesSearchRequest does. Adjacent date filters on one
 * parameter share one read of the date column. Runs of other filters go to matchesSearchRequest
 * together. Returns undefined when there is no filter to check.
 * @param {import('./resource-table.mjs').ResourceTable} table
 * @param {string} resourceType
 * @param {object[]} filters parsed filters whose parameters exist for resourceType.
 * @param {Record<string, object>} searchParams the search parameters of resourceType.
 */
export function compileFilters(table, resourceType, filters, searchParams) {
  const checks = [];
  let matcherFilters = [];
  let dateFilters = [];
  let dateTests = [];
  let dateParam;
  const flushMatcherFilters = () => {
    if (matcherFilters.length > 0) {
      const request = { resourceType, filters: matcherFilters };
      checks.push((position) => matchesSearchRequest(table.rowAt(position).resource, request));
      matcherFilters = [];
    }
  };
  const flushDateFilters = () => {
    if (dateFilters.length > 0) {
      checks.push(dateCheck(table, resourceType, dateParam, dateFilters, dateTests));
      dateFilters = [];
      dateTests = [];
    }
  };

  for (const filter of filters) {
    const searchParam = searchParams[filter.code];
    const test = searchParam?.type === 'date' ? compileDateFilter(filter) : undefined;
    if (!test) {
      flushDateFilters();
      matcherFilters.push(filter);
      continue;
    }
    flushMatcherFilters();
    if (searchParam !== dateParam) {
      flushDateFilters();
      dateParam = searchParam;
    }
    dateFilters.push(filter);
    dateTests.push(test);
  }
  flushMatcherFilters();
  flushDateFilters();

  if (checks.length <= 1) {
    return checks[0];
  }
  return (position) => {
    for (const check of checks) {
      if (!check(position)) {
        return false;
      }
    }
    return true;
  };
}
