// The in-memory FHIR repository of one store: Medplum's MemoryRepository plus what a
// Cloud Healthcare store does and the plain MemoryRepository does not.

import {
  OperationOutcomeError,
  Operator,
  badRequest,
  deepClone,
  globalSchema,
  gone,
  matchesSearchRequest,
  normalizeOperationOutcome,
  notFound,
  preconditionFailed,
  splitSearchOnComma,
  toPeriod,
} from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { applyPatch } from 'rfc6902';
import { compileFilters } from './filters.mjs';
import { ResourceTable } from './resource-table.mjs';
import { SearchIndex, intersectUnions, isNotExcluded } from './search-index.mjs';
import { sortPositions, sortResources } from './sort.mjs';

/**
 * Parameter types that @medplum/core 4.5.2's matcher can compare. It returns "no match" for
 * number, quantity, composite and special parameters, so those are rejected instead.
 */
const MATCHABLE_TYPES = new Set(['reference', 'string', 'uri', 'token', 'date']);

/**
 * Rejects a date filter value that toPeriod cannot convert, such as a 60th second, which
 * passes @medplum/core's format check. The matcher would throw a RangeError on it for
 * every resource with a date.
 */
function checkDateValue(filter) {
  for (const part of splitSearchOnComma(filter.value)) {
    try {
      toPeriod(part);
    } catch {
      throw new OperationOutcomeError(badRequest(`Invalid date for search parameter ${filter.code}: ${part}`));
    }
  }
}

function isAscending(numbers) {
  for (let i = 1; i < numbers.length; i++) {
    if (numbers[i - 1] > numbers[i]) {
      return false;
    }
  }
  return true;
}

/**
 * Repository of one FHIR store.
 *
 * Additions to MemoryRepository 4.5.2:
 * - every write gets a new id (unless a bundle assigned one), version id and lastUpdated;
 * - If-Match on patch, and 410 Gone when reading a deleted resource;
 * - transactions roll back: writes are journaled and undone when the callback throws;
 * - a create can be given an id reserved in advance (withCreateId);
 * - search narrows by an exact index (subject, patient, code, identifier, _tag) and by _id,
 *   checks date filters and sorts on date values cached per version, and copies only the page
 *   it returns. Results come in the order of a full scan with @medplum/core's matcher;
 * - unknown search or sort parameters, and parameter types the matcher cannot compare,
 *   are rejected (400) instead of matching nothing;
 * - each committed change is passed to onChange in write order.
 *
 * NOTE: it reads MemoryRepository's private `resources` and `history` maps (present in
 * @medplum/fhir-router 4.5.2, which package.json pins); the constructor fails if they are gone.
 */
export class StoreRepository extends MemoryRepository {
  #resources;
  #history;
  #onChange;
  #searchIndex = new SearchIndex();
  #table = new ResourceTable();
  #useIndex;
  /** Undo records and held changes of the open transaction, if any. */
  #transaction = undefined;
  /** Id that the next createResource call uses in place of a generated one (see withCreateId). */
  #nextCreateId = undefined;

  /**
   * @param {(change: object) => void} onChange called with
   *   { action, resourceType, id, versionId, lastUpdated, resource } after each committed write.
   * @param {{ useIndex?: boolean }} options useIndex false scans every resource, checks every
   *   filter with @medplum/core's matcher and caches no search values (tests compare both ways).
   */
  constructor(onChange = () => {}, { useIndex = true } = {}) {
    super();
    this.#resources = this.resources;
    this.#history = this.history;
    if (!(this.#resources instanceof Map) || !(this.#history instanceof Map)) {
      throw new Error('MemoryRepository no longer has the resources/history maps this wrapper needs');
    }
    this.#onChange = onChange;
    this.#useIndex = useIndex;
  }

  /** Returns the stored current version without copying it; callers must not modify it. */
  peek(resourceType, id) {
    return this.#resources.get(resourceType)?.get(id);
  }

  /** Returns the resource types that have at least one current resource. */
  storedTypes() {
    return [...this.#resources.entries()].filter(([, byId]) => byId.size > 0).map(([type]) => type);
  }

  async createResource(resource, options) {
    let id = options?.assignedId && resource.id ? resource.id : this.generateId();
    if (this.#nextCreateId) {
      id = this.#nextCreateId;
      this.#nextCreateId = undefined;
    }
    const stored = await this.#write({ ...resource, id });
    this.#emit('CreateResource', stored);
    return deepClone(stored);
  }

  /**
   * Runs callback so that the first resource it creates, if any, gets id instead of a generated
   * one. Transactions reserve ids this way so that an entry can refer to a resource that a later
   * entry creates. The id is not put on the resource because FhirRepository 4.5.2 rejects a
   * resource that carries its own id in a conditional create that matches another resource and
   * in a conditional update that creates. The caller must hold the store's write queue, so that
   * no other write takes the id.
   */
  async withCreateId(id, callback) {
    this.#nextCreateId = id;
    try {
      return await callback();
    } finally {
      this.#nextCreateId = undefined;
    }
  }

  async updateResource(resource, options) {
    if (!resource.id) {
      throw new OperationOutcomeError(badRequest('Missing id'));
    }
    const existing = this.peek(resource.resourceType, resource.id);
    if (options?.ifMatch) {
      this.#checkVersion(resource.resourceType, resource.id, existing, options.ifMatch);
    }
    const stored = await this.#write(resource);
    this.#emit(existing ? 'UpdateResource' : 'CreateResource', stored);
    return deepClone(stored);
  }

  /** Applies a JSON Patch; options.ifMatch is the expected version id. */
  async patchResource(resourceType, id, patch, options) {
    const existing = this.#requireCurrent(resourceType, id);
    if (options?.ifMatch) {
      this.#checkVersion(resourceType, id, existing, options.ifMatch);
    }

    const patched = deepClone(existing);
    let errors;
    try {
      errors = applyPatch(patched, patch).filter(Boolean);
    } catch (err) {
      throw new OperationOutcomeError(normalizeOperationOutcome(err));
    }
    if (errors.length > 0) {
      throw new OperationOutcomeError(badRequest(errors.map((e) => e.message).join('; ')));
    }
    if (patched.resourceType !== resourceType || patched.id !== id) {
      throw new OperationOutcomeError(badRequest('A patch must not change resourceType or id'));
    }

    const stored = await this.#write(patched);
    this.#emit('PatchResource', stored);
    return deepClone(stored);
  }

  async deleteResource(resourceType, id) {
    const existing = this.#requireCurrent(resourceType, id);
    this.#journal(resourceType, id, existing);
    this.#resources.get(resourceType).delete(id);
    this.#searchIndex.remove(this.#table.get(resourceType, id));
    this.#table.delete(resourceType, id);
    this.#emit('DeleteResource', existing, new Date().toISOString());
  }

  async readResource(resourceType, id) {
    return deepClone(this.#requireCurrent(resourceType, id));
  }

  /** Reads any stored version, also of a deleted resource, as the Healthcare API allows. */
  async readVersion(resourceType, id, versionId) {
    const version = this.#history
      .get(resourceType)
      ?.get(id)
      ?.find((v) => v.meta?.versionId === versionId);
    if (!version) {
      throw new OperationOutcomeError(notFound);
    }
    return deepClone(version);
  }

  /**
   * Lists the versions of a resource, newest first. MemoryRepository 4.5.2 reverses its stored
   * history array in place on every call, so this returns a reversed copy instead.
   */
  async readHistory(resourceType, id, options) {
    this.#requireCurrent(resourceType, id);
    const versions = [...(this.#history.get(resourceType)?.get(id) ?? [])].reverse();
    const offset = options?.offset ?? 0;
    const page = options?.limit === undefined ? versions.slice(offset) : versions.slice(offset, offset + options.limit);
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: versions.length,
      entry: page.length > 0 ? page.map((version) => ({ resource: deepClone(version) })) : undefined,
    };
  }

  /**
   * Runs callback so that its writes either all stay or are all undone.
   * A nested call joins the open transaction. Changes are passed on only after the
   * outermost transaction succeeds.
   */
  async withTransaction(callback) {
    if (this.#transaction) {
      return callback(undefined);
    }
    const transaction = { undo: [], changes: [] };
    this.#transaction = transaction;
    try {
      const result = await callback(undefined);
      this.#transaction = undefined;
      for (const change of transaction.changes) {
        this.#onChange(change);
      }
      return result;
    } catch (err) {
      this.#transaction = undefined;
      this.#rollBack(transaction.undo);
      throw err;
    }
  }

  async search(searchRequest) {
    const { total, matches } = this.findPage(searchRequest, searchRequest.offset ?? 0, searchRequest.count ?? Infinity);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: matches.length > 0 ? matches.map(({ resource }) => ({ resource: deepClone(resource) })) : undefined,
      total,
    };
  }

  /**
   * Returns every current resource that matches searchRequest's filters, sorted by its
   * sort rules, as { resource, sortKeys } with the stored (uncopied) resource.
   * Offset and count are left to the caller.
   */
  findMatches(searchRequest) {
    return this.findPage(searchRequest, 0, Infinity).matches;
  }

  /**
   * Counts the current resources that match searchRequest's filters and returns the matches
   * from offset to offset + count, sorted by its sort rules, as { resource, sortKeys } with the
   * stored (uncopied) resource. The request's own offset and count are ignored.
   *
   * The order is that of a full scan with @medplum/core's matcher: store order (see
   * ResourceTable), stably sorted by the sort rules. Indexed and unindexed searches give the
   * same order, also for resources with equal sort keys.
   * @returns {{ total: number, matches: { resource: object, sortKeys: unknown[] | undefined }[] }}
   */
  findPage(searchRequest, offset, count) {
    const { resourceType } = searchRequest;
    const searchParams = globalSchema.types[resourceType]?.searchParams ?? {};
    this.#checkRequest(searchRequest, searchParams);
    const sortRules = searchRequest.sortRules ?? [];
    const end = offset + count;

    if (!this.#useIndex) {
      const resources = this.#scan(searchRequest);
      const matches =
        sortRules.length > 0
          ? sortResources(resourceType, resources, sortRules, end).slice(offset)
          : resources.slice(offset, end).map((resource) => ({ resource, sortKeys: undefined }));
      return { total: resources.length, matches };
    }

    const positions = this.#findPositions(searchRequest, searchParams);
    let matches;
    if (sortRules.length > 0) {
      matches = sortPositions(this.#table, resourceType, positions, sortRules, offset, end);
    } else {
      if (!isAscending(positions)) {
        positions.sort((a, b) => a - b);
      }
      matches = positions.slice(offset, end).map((position) => ({ resource: this.#table.rowAt(position).resource, sortKeys: undefined }));
    }
    return { total: positions.length, matches };
  }

  /**
   * Rejects what the matcher cannot evaluate: unknown parameters, parameter types that it treats
   * as matching nothing, and date values that it would throw on.
   */
  #checkRequest(searchRequest, searchParams) {
    const { resourceType } = searchRequest;
    for (const filter of searchRequest.filters ?? []) {
      const searchParam = searchParams[filter.code];
      if (!searchParam) {
        throw new OperationOutcomeError(badRequest(`Unknown search parameter for ${resourceType}: ${filter.code}`));
      }
      const presenceOnly = filter.operator === Operator.MISSING || filter.operator === Operator.PRESENT;
      if (!presenceOnly && !MATCHABLE_TYPES.has(searchParam.type)) {
        throw new OperationOutcomeError(
          badRequest(`Search on ${searchParam.type} parameters such as ${filter.code} is not supported by the local FHIR engine`)
        );
      }
      if (!presenceOnly && searchParam.type === 'date') {
        checkDateValue(filter);
      }
    }
    for (const rule of searchRequest.sortRules ?? []) {
      if (!searchParams[rule.code]) {
        throw new OperationOutcomeError(badRequest(`Unknown sort parameter for ${resourceType}: ${rule.code}`));
      }
    }
  }

  /** Returns the resources that match every filter, in store order, checking each with the matcher. */
  #scan(searchRequest) {
    const request = { resourceType: searchRequest.resourceType, filters: searchRequest.filters ?? [] };
    const resources = [];
    for (const { resource } of this.#table.rows(searchRequest.resourceType)) {
      if (matchesSearchRequest(resource, request)) {
        resources.push(resource);
      }
    }
    return resources;
  }

  /**
   * Returns the row positions of the resources that match every filter, in any order: _id
   * filters and indexed parameters select the candidates, and the other filters are checked on
   * each candidate in request order.
   */
  #findPositions(searchRequest, searchParams) {
    const { resourceType } = searchRequest;
    const required = [];
    const excluded = [];
    const otherFilters = [];
    for (const filter of searchRequest.filters ?? []) {
      const positions = filter.code === '_id' ? this.#positionsNamed(resourceType, filter) : undefined;
      if (!positions) {
        otherFilters.push(filter);
      } else if (filter.operator === Operator.NOT) {
        excluded.push([positions]);
      } else {
        required.push([positions]);
      }
    }
    const indexed = this.#searchIndex.lookUp(resourceType, otherFilters);
    required.push(...indexed.required);
    excluded.push(...indexed.excluded);

    let candidates;
    if (required.length > 0) {
      candidates = intersectUnions(required, excluded, this.#table.count(resourceType));
    } else {
      candidates = [];
      for (const { position } of this.#table.rows(resourceType)) {
        if (isNotExcluded(excluded, position)) {
          candidates.push(position);
        }
      }
    }

    const check = compileFilters(this.#table, resourceType, indexed.remainingFilters, searchParams);
    return check ? candidates.filter(check) : candidates;
  }

  /**
   * Returns the row positions of the resources that an _id filter (plain or ":not") names, or
   * undefined for other operators. Ids compare as tokens without a system, case-insensitively,
   * as in @medplum/core 4.5.2's matchesTokenValue: "x" and "|x" name id x, and "system|x" none.
   */
  #positionsNamed(resourceType, filter) {
    if (filter.operator !== Operator.EQUALS && filter.operator !== Operator.NOT) {
      return undefined;
    }
    const positions = new Set();
    for (const part of splitSearchOnComma(filter.value)) {
      let id = part;
      if (part.includes('|')) {
        const [system, value] = part.split('|');
        id = system ? '' : value;
      }
      for (const match of id ? this.#table.idsIgnoringCase(resourceType, id) : []) {
        positions.add(this.#table.get(resourceType, match).position);
      }
    }
    return positions;
  }

  #requireCurrent(resourceType, id) {
    const current = this.peek(resourceType, id);
    if (current) {
      return current;
    }
    const wasDeleted = this.#history.get(resourceType)?.has(id);
    throw new OperationOutcomeError(wasDeleted ? gone : notFound);
  }

  #checkVersion(resourceType, id, existing, expectedVersionId) {
    if (!existing) {
      throw new OperationOutcomeError(this.#history.get(resourceType)?.has(id) ? gone : notFound);
    }
    if (existing.meta?.versionId !== expectedVersionId) {
      throw new OperationOutcomeError(preconditionFailed);
    }
  }

  /** Stores a new current version with a fresh version id and lastUpdated, and returns it uncopied. */
  async #write(resource) {
    const meta = { ...resource.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    const { resourceType, id } = resource;

    this.#journal(resourceType, id, this.peek(resourceType, id));
    await super.createResource({ ...resource, meta });
    const stored = this.peek(resourceType, id);
    this.#searchIndex.add(this.#table.put(stored));
    return stored;
  }

  /** Remembers the state before a write, when a transaction is open, so it can be restored. */
  #journal(resourceType, id, previous) {
    if (!this.#transaction) {
      return;
    }
    const historyLength = this.#history.get(resourceType)?.get(id)?.length ?? 0;
    this.#transaction.undo.push({ resourceType, id, previous, historyLength });
  }

  #rollBack(undoRecords) {
    for (const { resourceType, id, previous, historyLength } of undoRecords.reverse()) {
      if (previous) {
        this.#resources.get(resourceType).set(id, previous);
        this.#searchIndex.add(this.#table.put(previous));
      } else {
        this.#resources.get(resourceType)?.delete(id);
        const row = this.#table.get(resourceType, id);
        if (row) {
          this.#searchIndex.remove(row);
          this.#table.delete(resourceType, id);
        }
      }
      const versions = this.#history.get(resourceType)?.get(id);
      if (versions) {
        versions.length = historyLength;
        if (historyLength === 0) {
          this.#history.get(resourceType).delete(id);
        }
      }
    }
  }

  #emit(action, resource, deletedAt) {
    const change = {
      action,
      resourceType: resource.resourceType,
      id: resource.id,
      versionId: resource.meta?.versionId,
      lastUpdated: deletedAt ?? resource.meta?.lastUpdated,
      resource,
    };
    if (this.#transaction) {
      this.#transaction.changes.push(change);
    } else {
      this.#onChange(change);
    }
  }
}
