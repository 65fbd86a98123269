/**
 * Wraps a store so that every operation that fails is counted (wxmedia_store_errors_total) before the failure goes
 * on to its caller unchanged. A Proxy rather than a subclass: it fits every implementation of the contract, the
 * ones other packages bring included. Methods run on the store itself, not the proxy, so private fields work.
 */
export function instrumentStore<T extends object>(store: T, onError: (op: string) => void): T {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (e) {
          onError(property);
          throw e;
        }
        if (result instanceof Promise) {
          return result.catch((e: unknown) => {
            onError(property);
            throw e;
          });
        }
        return result;
      };
    },
  });
}
