// The evaluated values of one date search parameter, for the current version of every resource
// of a store, in typed arrays indexed by row position (see resource-table.mjs). A search reads
// them in sequence instead of evaluating FHIRPath or visiting each resource.

import { convertToSearchableDates, evalFhirPathTyped, toTypedValue } from '@medplum/core';
import { parseExpressionOnce } from './expressions.mjs';

/**
 * @medplum/core 4.5.2's matcher (matchesDateValue) compares dates as strings: UTC instants from
 * toISOString, "0000" for an open start and "9999" for an open end. Instants of years 0 to
 * 9999 have one fixed width, so their string order is the order of their epoch milliseconds.
 * "0000" sorts before all of them, and "9999" between the last instant of year 9998 and the
 * first of year 9999, so these two numbers keep the same order. Other years (toISOString's
 * "+010000-..." and "-000001-...") sort differently as strings, so they stay with the matcher.
 */
export const OPEN_START = -Infinity;
export const OPEN_END = Date.UTC(9999, 0, 1) - 0.5;
const INSTANT_LENGTH = '2026-11-03T10:00:00.000Z'.length;

/** Returns the epoch milliseconds of an instant string from toPeriod, or NaN for a year outside 0 to 9999. */
export function instantToNumber(instant) {
  return instant.length === INSTANT_LENGTH ? Date.parse(instant) : NaN;
}

/** A position's values are not evaluated yet, or were cleared by a write. */
export const UNKNOWN = 0;
/** One period, in start and end. */
export const SINGLE = 1;
/** No period or several, as [start0, end0, start1, end1, ...] in lists. */
export const LIST = 2;
/** A value outside the years 0 to 9999: the matcher must check the resource. */
export const UNREPRESENTABLE = 3;

const INITIAL_CAPACITY = 1024;

/** The cached values of one date search parameter, by row position. */
export class DateColumn {
  /**
   * Values by position. state is UNKNOWN, SINGLE, LIST or UNREPRESENTABLE, and start and end
   * are the bounds of a SINGLE period. lowest and highest are the lowest and highest of each
   * period's start (its end when it has no start): the keys of an ascending and a descending
   * sort, NaN when the resource has no date.
   */
  state = new Uint8Array(INITIAL_CAPACITY);
  start = new Float64Array(INITIAL_CAPACITY);
  end = new Float64Array(INITIAL_CAPACITY);
  lowest = new Float64Array(INITIAL_CAPACITY);
  highest = new Float64Array(INITIAL_CAPACITY);
  /** position → bounds of a LIST position. */
  lists = new Map();

  constructor(searchParam) {
    this.searchParam = searchParam;
  }

  /** Makes room for positions below count. Unused positions are UNKNOWN. */
  reserve(count) {
    let capacity = this.state.length;
    if (count <= capacity) {
      return;
    }
    while (capacity < count) {
      capacity *= 2;
    }
    for (const name of ['state', 'start', 'end', 'lowest', 'highest']) {
      const grown = new this[name].constructor(capacity);
      grown.set(this[name]);
      this[name] = grown;
    }
  }

  /** Clears a position's values after a write. */
  forget(position) {
    if (position < this.state.length) {
      this.state[position] = UNKNOWN;
    }
    this.lists.delete(position);
  }

  /**
   * Evaluates the parameter on resource, the current version at position, stores the values
   * and returns the position's new state. An evaluation that throws (toPeriod rejects a stored
   * 60th second, for example) leaves the position UNKNOWN, so the next search throws again, as
   * the matcher does.
   */
  evaluate(position, resource) {
    const typedValues = evalFhirPathTyped(parseExpressionOnce(this.searchParam.expression), [toTypedValue(resource)]);
    const bounds = [];
    let lowest = NaN;
    let highest = NaN;
    for (const period of convertToSearchableDates(typedValues)) {
      const start = period.start === undefined ? OPEN_START : instantToNumber(period.start);
      const end = period.end === undefined ? OPEN_END : instantToNumber(period.end);
      if (Number.isNaN(start) || Number.isNaN(end)) {
        this.state[position] = UNREPRESENTABLE;
        return UNREPRESENTABLE;
      }
      bounds.push(start, end);
      const key = period.start === undefined ? end : start;
      if (!(key >= lowest)) {
        lowest = key;
      }
      if (!(key <= highest)) {
        highest = key;
      }
    }

    this.lowest[position] = lowest;
    this.highest[position] = highest;
    if (bounds.length === 2) {
      this.start[position] = bounds[0];
      this.end[position] = bounds[1];
      this.state[position] = SINGLE;
      return SINGLE;
    }
    this.lists.set(position, bounds);
    this.state[position] = LIST;
    return LIST;
  }
}
