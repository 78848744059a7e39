/**
 * A minimal typed event emitter: `on(type, listener)` returns the unsubscribe function. A listener
 * that throws is reported on stderr and does not stop the others (a UI bug must not kill the
 * supervisor's bookkeeping).
 */
export class TypedEmitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<(payload: never) => void>>();

  on<K extends keyof M>(type: K, listener: (payload: M[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<K extends keyof M>(type: K, payload: M[K]): void {
    const set = this.listeners.get(type);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: M[K]) => void)(payload);
      } catch (error) {
        process.stderr.write(`mlx-factory: a ${String(type)} listener failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }

  listenerCount<K extends keyof M>(type: K): number {
    return this.listeners.get(type)?.size ?? 0;
  }
}
