// The FHIR stores, one in-memory repository per store name, created on first use.

import { StoreRepository } from './repository.mjs';

/** One FHIR store: its repository and the queue that runs its write requests one at a time. */
class Store {
  #writes = Promise.resolve();
  /** Gate of the write request now running, handed to the notifier with each change. */
  #currentGate = undefined;

  constructor(name, notifier) {
    this.name = name;
    this.repository = new StoreRepository((change) => notifier.enqueue(change, name, this.#currentGate));
  }

  /**
   * Runs a write request after the store's earlier writes have finished. One writer at a time
   * keeps transactions and their rollback free of other requests' changes, and ties each
   * change to the gate of the request that made it.
   */
  runWrite(gate, write) {
    const run = this.#writes.then(async () => {
      this.#currentGate = gate;
      try {
        return await write();
      } finally {
        this.#currentGate = undefined;
      }
    });
    this.#writes = run.catch(() => {});
    return run;
  }
}

export class StoreRegistry {
  #stores = new Map();
  #notifier;

  constructor(notifier) {
    this.#notifier = notifier;
  }

  /** Returns the store with this full name (projects/P/locations/L/datasets/D/fhirStores/S), creating it if needed. */
  get(name) {
    let store = this.#stores.get(name);
    if (!store) {
      store = new Store(name, this.#notifier);
      this.#stores.set(name, store);
    }
    return store;
  }

  /**
   * Drops a store and all its data. Requests that arrive afterwards get a new, empty store;
   * the returned promise settles once the writes already queued on the old one have finished.
   */
  async delete(name) {
    const store = this.#stores.get(name);
    this.#stores.delete(name);
    if (store) {
      await store.runWrite(undefined, async () => {});
    }
  }
}
