export interface RefreshingValueOptions {
  ttlMs: number;
  /** How long past its TTL the last good value may still be served while refreshes fail. */
  staleIfErrorMs: number;
  /** Pause between refresh attempts while a stale value is being served. */
  retryAfterFailureMs: number;
  now?: () => number;
  onStaleServed?: (error: unknown) => void;
}

/**
 * A value loaded once, reused for `ttlMs`, then reloaded. Concurrent callers share one
 * load. Like AWS's own Secrets Manager caching clients, a failed refresh keeps serving
 * the last good value for a bounded time instead of failing every request.
 */
export class RefreshingValue<T> {
  private current: { value: T; loadedAt: number } | undefined;
  private nextLoadAt = 0;
  private inflight: Promise<T> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: RefreshingValueOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<T> {
    if (this.current && this.now() < this.nextLoadAt) return Promise.resolve(this.current.value);
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refresh(): Promise<T> {
    const startedAt = this.now();
    try {
      const value = await this.load();
      this.current = { value, loadedAt: startedAt };
      this.nextLoadAt = startedAt + this.options.ttlMs;
      return value;
    } catch (error) {
      const { current } = this;
      if (current && startedAt < current.loadedAt + this.options.ttlMs + this.options.staleIfErrorMs) {
        this.nextLoadAt = startedAt + this.options.retryAfterFailureMs;
        this.options.onStaleServed?.(error);
        return current.value;
      }
      throw error;
    }
  }
}
