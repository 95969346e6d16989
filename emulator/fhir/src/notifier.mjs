// Publishes FHIR change notifications to the Pub/Sub emulator in the Cloud Healthcare API's format.
//
// Format checked against the Cloud Healthcare API page "FHIR Pub/Sub notifications"
// (docs.cloud.google.com/healthcare-api/docs/fhir-pubsub, last updated 2026-04-14):
// - data: base64 of the resource name
//   projects/P/locations/L/datasets/D/fhirStores/S/fhir/TYPE/ID (payloadType "NameOnly"),
//   or of the resource JSON when sendFullResource is on for create, update and patch,
//   or of the deleted resource when sendPreviousResourceOnDelete is on (payloadType "FullResource");
// - attributes: action (CreateResource, UpdateResource, PatchResource or DeleteResource),
//   resourceType, storeName (projects/P/locations/L/datasets/D/fhirStores/S),
//   payloadType, versionId, and lastUpdatedTime in RFC 1123 form
//   ("Mon, 01 Jan 2020 00:00:00 UTC" in the page's sample).

import { log, describeError } from './log.mjs';

const MAX_MESSAGES_PER_PUBLISH = 100;
const MAX_BYTES_PER_PUBLISH = 5 * 1024 * 1024;
const PUBLISH_ATTEMPTS = 5;
const FIRST_RETRY_DELAY_MS = 100;
const PUBLISH_TIMEOUT_MS = 5000;

/** Formats an ISO instant as RFC 1123 with a "UTC" zone, as in the Healthcare API's sample. */
export function toRfc1123(isoInstant) {
  return new Date(isoInstant).toUTCString().replace(/GMT$/, 'UTC');
}

/** Builds the Pub/Sub message for one change in a store. */
export function buildMessage(change, storeName, { sendFullResource, sendPreviousResourceOnDelete }) {
  const isDelete = change.action === 'DeleteResource';
  const fullResource = isDelete ? sendPreviousResourceOnDelete : sendFullResource;
  const payload = fullResource
    ? JSON.stringify(change.resource)
    : `${storeName}/fhir/${change.resourceType}/${change.id}`;
  return {
    data: Buffer.from(payload, 'utf8').toString('base64'),
    attributes: {
      action: change.action,
      lastUpdatedTime: toRfc1123(change.lastUpdated),
      payloadType: fullResource ? 'FullResource' : 'NameOnly',
      resourceType: change.resourceType,
      storeName,
      versionId: change.versionId ?? '',
    },
  };
}

/**
 * A gate that opens once the HTTP response of the request that made a change has been sent,
 * so a subscriber never receives a change before the writer has received its response.
 */
export function createGate() {
  let open;
  const gate = { isOpen: false, opened: new Promise((resolve) => (open = resolve)) };
  gate.open = () => {
    gate.isOpen = true;
    open();
  };
  return gate;
}

const OPEN_GATE = (() => {
  const gate = createGate();
  gate.open();
  return gate;
})();

/**
 * Ordered publisher of change notifications. Messages go out in the order they were queued,
 * up to 100 in one publish call. A failed publish is retried with backoff. After the last
 * attempt its messages are logged by resource name and dropped, so later changes still go out.
 */
export class ChangeNotifier {
  #publishUrl;
  #options;
  #queue = [];
  #draining = undefined;

  /**
   * @param {{ pubsubHost: string, topic: string, sendFullResource: boolean,
   *   sendPreviousResourceOnDelete: boolean }} options notifications are off when topic is empty.
   */
  constructor(options) {
    this.#options = options;
    this.enabled = Boolean(options.topic && options.pubsubHost);
    this.#publishUrl = this.enabled ? `http://${options.pubsubHost}/v1/${options.topic}:publish` : '';
  }

  /** Queues a notification for a change in storeName, to be sent once gate opens. */
  enqueue(change, storeName, gate = OPEN_GATE) {
    if (!this.enabled) {
      return;
    }
    const message = buildMessage(change, storeName, this.#options);
    const name = `${storeName}/fhir/${change.resourceType}/${change.id}`;
    this.#queue.push({ message, name, action: change.action, gate });
    if (!this.#draining) {
      this.#draining = this.#drain().finally(() => {
        this.#draining = undefined;
      });
    }
  }

  /** Returns the number of notifications not yet published. */
  get pending() {
    return this.#queue.length;
  }

  /** Lists the notifications not yet published as "ACTION resource-name", for logging. */
  pendingNotifications() {
    return this.#queue.map((item) => `${item.action} ${item.name}`);
  }

  /** Waits until the queue is empty or timeoutMs has passed; returns true when it emptied. */
  async flush(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (this.#draining && Date.now() < deadline) {
      await Promise.race([this.#draining, new Promise((resolve) => setTimeout(resolve, deadline - Date.now()))]);
    }
    return this.#queue.length === 0;
  }

  async #drain() {
    while (this.#queue.length > 0) {
      await this.#queue[0].gate.opened;
      const batch = this.#takeBatch();
      await this.#publishWithRetry(batch);
    }
  }

  /** Takes the queue's head plus following items whose gates are open, within the size limits. */
  #takeBatch() {
    let bytes = 0;
    let count = 0;
    while (count < this.#queue.length && count < MAX_MESSAGES_PER_PUBLISH) {
      const item = this.#queue[count];
      const size = item.message.data.length + 500;
      if (!item.gate.isOpen || (count > 0 && bytes + size > MAX_BYTES_PER_PUBLISH)) {
        break;
      }
      bytes += size;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #publishWithRetry(batch) {
    const body = JSON.stringify({ messages: batch.map((item) => item.message) });
    let failure;
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      try {
        const response = await fetch(this.#publishUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
        });
        // The body is drained but not read into logs: a Pub/Sub error text may echo the message.
        await response.arrayBuffer();
        if (response.ok) {
          return;
        }
        failure = { httpStatus: response.status };
      } catch (err) {
        failure = describeError(err);
      }
      if (attempt < PUBLISH_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1)));
      }
    }
    log.error('notification publish failed; notifications dropped', {
      topic: this.#options.topic,
      attempts: PUBLISH_ATTEMPTS,
      count: batch.length,
      notifications: batch.map((item) => `${item.action} ${item.name}`),
      ...failure,
    });
  }
}
