// Resolution of urn:uuid fullUrls in a transaction Bundle to the Type/id of the resource that
// their entry creates, updates or matches, as FHIR R4 transactions require.

import { OperationOutcomeError, badRequest, conflict, parseSearchRequest } from '@medplum/core';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const PLACEHOLDER = new RegExp(`^urn:uuid:${UUID}$`, 'i');
/** A urn:uuid inside any string, also with its colons percent-encoded as in a search URL. */
const PLACEHOLDER_IN_TEXT = `urn(?::|%3A)uuid(?::|%3A)(${UUID})`;
const ALL_PLACEHOLDERS_IN_TEXT = new RegExp(PLACEHOLDER_IN_TEXT, 'gi');
const ANY_PLACEHOLDER_IN_TEXT = new RegExp(PLACEHOLDER_IN_TEXT, 'i');

/**
 * The urn:uuid placeholders of one transaction and the reference that replaces each one.
 *
 * Before any entry runs, predict() works out each placeholder's target, so that an entry may
 * refer to a resource that a later entry creates. A plain create gets an id reserved now.
 * A conditional create or conditional update gets the resource its search matches now, or a
 * reserved id when it matches nothing. Two conditional entries with the same method and
 * condition get the same target, because the second one matches what the first created.
 * Once an entry has run, resolved() replaces the prediction with the actual resource.
 */
export class Placeholders {
  /** urn:uuid:… (lower case) → { owner: entry index, reference: 'Type/id' or undefined, hasRun }. */
  #targets = new Map();
  /** urn:uuid:… → index of the first entry that used the placeholder before its owner ran. */
  #earlyUsers = new Map();

  /**
   * Records each entry's placeholder. Rejects a fullUrl that two entries share.
   * @param {Array<{ index: number, fullUrl?: string }>} plans
   */
  constructor(plans) {
    for (const plan of plans) {
      const urn = normalizePlaceholder(plan.fullUrl);
      if (!urn) {
        continue;
      }
      const other = this.#targets.get(urn);
      if (other) {
        throw new OperationOutcomeError(
          badRequest(`Bundle.entry[${plan.index}].fullUrl repeats the fullUrl of Bundle.entry[${other.owner}]`)
        );
      }
      this.#targets.set(urn, { owner: plan.index, reference: undefined, hasRun: false });
    }
  }

  /** Returns true when the bundle has no urn:uuid fullUrls, so nothing needs rewriting. */
  get isEmpty() {
    return this.#targets.size === 0;
  }

  /**
   * Predicts every placeholder's target and sets plan.createId, the id that the entry's create
   * will use. Runs inside the transaction, before its first entry, with plans in execution order.
   */
  async predict(plans, repository) {
    const byCondition = new Map();
    for (const plan of plans) {
      const target = await this.#predictOne(plan, repository, byCondition);
      const urn = normalizePlaceholder(plan.fullUrl);
      if (urn) {
        this.#targets.get(urn).reference = target;
      }
    }
  }

  async #predictOne(plan, repository, byCondition) {
    const { method, resourceType, id, condition } = plan;
    if (method === 'POST' || (method === 'PUT' && condition !== undefined)) {
      plan.createId = repository.generateId();
    }
    if (condition === undefined) {
      if (method === 'POST') {
        return `${resourceType}/${plan.createId}`;
      }
      return id ? `${resourceType}/${id}` : undefined;
    }

    const key = `${method} ${resourceType}?${condition}`;
    if (byCondition.has(key)) {
      return byCondition.get(key);
    }
    let target;
    // A condition that names another placeholder can only be searched once that one is resolved.
    if (!ANY_PLACEHOLDER_IN_TEXT.test(condition)) {
      const matches = await searchOrUndefined(repository, `${resourceType}?${condition}`);
      if (matches?.length === 1) {
        target = `${resourceType}/${matches[0].id}`;
      } else if (matches?.length === 0 && plan.createId) {
        target = `${resourceType}/${plan.createId}`;
      }
    }
    byCondition.set(key, target);
    return target;
  }

  /**
   * Returns value with every placeholder of this bundle replaced by its reference, for the entry
   * at index. Strings of other urn:uuid values are left as they are.
   * Throws 400 when a placeholder's target cannot be known before its entry runs.
   */
  rewrite(value, index) {
    if (typeof value === 'string') {
      return value.replace(
        ALL_PLACEHOLDERS_IN_TEXT,
        (text, uuid) => this.#referenceFor(`urn:uuid:${uuid.toLowerCase()}`, index) ?? text
      );
    }
    if (Array.isArray(value)) {
      return value.map((item) => this.rewrite(item, index));
    }
    if (value !== null && typeof value === 'object') {
      const copy = {};
      for (const [key, item] of Object.entries(value)) {
        copy[key] = this.rewrite(item, index);
      }
      return copy;
    }
    return value;
  }

  #referenceFor(urn, index) {
    const target = this.#targets.get(urn);
    if (!target) {
      return undefined;
    }
    if (target.reference === undefined) {
      throw new OperationOutcomeError(
        badRequest(
          `Bundle.entry[${index}] refers to the fullUrl of Bundle.entry[${target.owner}], whose target is known ` +
            'only after that entry runs; refer to it only from entries that run later'
        )
      );
    }
    if (!target.hasRun && target.owner !== index && !this.#earlyUsers.has(urn)) {
      this.#earlyUsers.set(urn, index);
    }
    return target.reference;
  }

  /**
   * Records the resource that the entry created, updated or matched. Throws 409 when that
   * differs from the prediction and an entry that ran before it has already stored the prediction.
   */
  resolved(plan, resource) {
    const urn = normalizePlaceholder(plan.fullUrl);
    if (!urn) {
      return;
    }
    const target = this.#targets.get(urn);
    target.hasRun = true;
    if (!resource?.id) {
      return;
    }
    const actual = `${resource.resourceType}/${resource.id}`;
    if (target.reference !== undefined && target.reference !== actual && this.#earlyUsers.has(urn)) {
      throw new OperationOutcomeError(
        conflict(
          `Bundle.entry[${plan.index}] matched a different resource than its condition matched when the ` +
            `transaction started, and Bundle.entry[${this.#earlyUsers.get(urn)}] had already stored a ` +
            'reference to the first one; an earlier entry of the transaction changed what the condition matches'
        )
      );
    }
    target.reference = actual;
  }
}

function normalizePlaceholder(fullUrl) {
  return typeof fullUrl === 'string' && PLACEHOLDER.test(fullUrl) ? fullUrl.toLowerCase() : undefined;
}

/** Runs a search for the prediction. An invalid search returns undefined, and the entry itself reports it. */
async function searchOrUndefined(repository, url) {
  try {
    const searchRequest = parseSearchRequest(url);
    searchRequest.count = 2;
    searchRequest.sortRules = undefined;
    return await repository.searchResources(searchRequest);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return undefined;
    }
    throw err;
  }
}
