// The current resources of one store in store order, with caches of each version's evaluated
// search values, so that a search neither re-evaluates FHIRPath nor loses the order of a full scan.

import { DateColumn } from './date-column.mjs';

/**
 * One current resource. position numbers the rows of a store in the order in which their ids
 * entered it, and is never reused. values caches the non-date search values of this version
 * only (see cachedValue), so a write replaces resource and clears values. indexEntries belongs
 * to SearchIndex (search-index.mjs).
 * @typedef {{ resource: object, position: number, values: unknown[] | undefined,
 *   indexEntries: [string, string][] | undefined }} Row
 */

/**
 * Rows of the current resources by type and id, and by position.
 *
 * The table mirrors the resources map of MemoryRepository (@medplum/fhir-router 4.5.2): a new
 * id goes last and an updated one keeps its place. So ascending position is the order of a
 * full scan, the order in which the engine's matcher returns unsorted results.
 */
export class ResourceTable {
  /** resourceType → id → Row */
  #rowsByType = new Map();
  /** position → Row, undefined once the row is deleted. */
  #rowsByPosition = [];
  /** resourceType → lower-case id → ids with upper-case letters, for case-insensitive lookup. */
  #mixedCaseIds = new Map();
  /** search parameter → DateColumn, for the date parameters searched so far. */
  #dateColumns = new Map();

  /**
   * Stores resource as the current version of its id.
   * @returns {Row} the id's row, which stays the same object while the id is stored.
   */
  put(resource) {
    const { resourceType, id } = resource;
    let rows = this.#rowsByType.get(resourceType);
    if (!rows) {
      rows = new Map();
      this.#rowsByType.set(resourceType, rows);
    }
    const row = rows.get(id);
    if (row) {
      row.resource = resource;
      row.values = undefined;
      for (const column of this.#dateColumns.values()) {
        column.forget(row.position);
      }
      return row;
    }

    const newRow = { resource, position: this.#rowsByPosition.length, values: undefined, indexEntries: undefined };
    rows.set(id, newRow);
    this.#rowsByPosition.push(newRow);
    const lowerCaseId = id.toLowerCase();
    if (lowerCaseId !== id) {
      this.#mixedCaseIdsOf(resourceType, lowerCaseId).add(id);
    }
    return newRow;
  }

  delete(resourceType, id) {
    const row = this.#rowsByType.get(resourceType)?.get(id);
    if (!row) {
      return;
    }
    this.#rowsByType.get(resourceType).delete(id);
    this.#rowsByPosition[row.position] = undefined;
    for (const column of this.#dateColumns.values()) {
      column.forget(row.position);
    }
    const lowerCaseId = id.toLowerCase();
    if (lowerCaseId !== id) {
      const ids = this.#mixedCaseIdsOf(resourceType, lowerCaseId);
      ids.delete(id);
      if (ids.size === 0) {
        this.#mixedCaseIds.get(resourceType).delete(lowerCaseId);
      }
    }
  }

  /** @returns {Row | undefined} */
  get(resourceType, id) {
    return this.#rowsByType.get(resourceType)?.get(id);
  }

  /** @returns {Row} the row at a position that is stored. */
  rowAt(position) {
    return this.#rowsByPosition[position];
  }

  /** Returns how many resources of the type are stored. */
  count(resourceType) {
    return this.#rowsByType.get(resourceType)?.size ?? 0;
  }

  /** @returns {Iterable<Row>} every row of the type, in ascending position. */
  rows(resourceType) {
    return this.#rowsByType.get(resourceType)?.values() ?? [];
  }

  /**
   * Returns the date column of a date search parameter, with room for every position. The
   * column stays valid until the next write.
   */
  dateColumn(searchParam) {
    let column = this.#dateColumns.get(searchParam);
    if (!column) {
      column = new DateColumn(searchParam);
      this.#dateColumns.set(searchParam, column);
    }
    column.reserve(this.#rowsByPosition.length);
    return column;
  }

  /**
   * Returns the ids of the type that equal id when both are lower-cased, as token search
   * compares them (@medplum/core 4.5.2 matchesTokenValue).
   */
  idsIgnoringCase(resourceType, id) {
    const lowerCaseId = id.toLowerCase();
    const ids = [...(this.#mixedCaseIds.get(resourceType)?.get(lowerCaseId) ?? [])];
    if (this.#rowsByType.get(resourceType)?.has(lowerCaseId)) {
      ids.push(lowerCaseId);
    }
    return ids;
  }

  #mixedCaseIdsOf(resourceType, lowerCaseId) {
    let byLowerCase = this.#mixedCaseIds.get(resourceType);
    if (!byLowerCase) {
      byLowerCase = new Map();
      this.#mixedCaseIds.set(resourceType, byLowerCase);
    }
    let ids = byLowerCase.get(lowerCaseId);
    if (!ids) {
      ids = new Set();
      byLowerCase.set(lowerCaseId, ids);
    }
    return ids;
  }
}

/**
 * Returns the cached value of searchParam for row's current version, computing it with
 * compute(searchParam, resource) on first use. A computation that throws is not cached.
 */
export function cachedValue(row, searchParam, compute) {
  // A flat list of parameter and value pairs: a resource is sorted by few parameters, and a
  // short scan is cheaper than a Map per row.
  let values = row.values;
  if (values) {
    for (let i = 0; i < values.length; i += 2) {
      if (values[i] === searchParam) {
        return values[i + 1];
      }
    }
  } else {
    values = [];
    row.values = values;
  }
  const value = compute(searchParam, row.resource);
  values.push(searchParam, value);
  return value;
}
